import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, createServer, type Server } from 'node:net';
import vm from 'node:vm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import type { CellError, ReplEnvironment, ReplSession } from '../environment/repl-environment';
import {
  JAVASCRIPT_PRELUDE_SOURCE,
  type JavaScriptPrelude,
  type JavaScriptPreludeCellOutput,
} from '../javascript/javascript-prelude';
import { rewriteJavaScriptCell } from '../javascript/rewrite-javascript-cell';
import { SECURITY_CHECK_GROUPS, type SecurityCheck, type SecurityKit } from './test-environment-security';
import { createFixtureEnvironment, FIXTURE_HOLES, isFixtureHole } from './test-environment-security-fixture';
import {
  type HostIntrinsicsSnapshot,
  restoreHostIntrinsics,
  snapshotHostIntrinsics,
} from './test-environment-security-oracles';
import { ATTACK_SURFACES } from './test-environment-security-surfaces';
import { type SecurityTraps, setSecurityTraps } from './test-environment-security-traps';
import { createSessionOpener } from './test-environment-session';

/**
 * The security suite is only as good as its power to fail. These tests run it against a sandbox that
 * gets everything wrong on purpose — a bare `node:vm` context handed the host's `require`, `process`,
 * `fetch` and timers, stand-ins for the Deno, Bun and QuickJS `std`/`os` APIs wired to the host's real
 * ones, and the context passed by reference — and require every attack route to get through and be
 * seen, and every check marked `failsWhenHostIsExposed` to fail, with the message it declares.
 *
 * Then it runs every check that declares holes of the fixture sandbox
 * (`test-environment-security-fixture.ts`) against the fixture without holes (it must pass) and with
 * each of those holes (it must fail, with a message that names the breach).
 */

/** Routes this harness cannot open for real, and why; every other route must be shown to work. */
const NOT_REPRODUCIBLE: ReadonlyMap<string, string> = new Map([
  ['reach the network: import(http:)', 'Node’s module loader does not load http: URLs.'],
]);

/** Host resources the exposed sandbox opened, closed when its session is disposed. */
interface OpenedResources {
  readonly timers: Set<NodeJS.Timeout | NodeJS.Immediate>;
  readonly servers: Set<Server>;
}

/** The globals of the exposed sandbox: real host capabilities under every name hostile code tries. */
function exposedGlobals(opened: OpenedResources): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const fileOrFetch = async (url: string) => {
    if (url.startsWith('file:')) return new Response(readFileSync(new URL(url), 'utf8'));
    return fetch(url);
  };
  const track = <T extends NodeJS.Timeout | NodeJS.Immediate>(timer: T) => {
    opened.timers.add(timer);
    return timer;
  };
  const fakeExit = (code?: number) => `pretended to exit with ${code}`;
  const exposedProcess = new Proxy(process, {
    get(target, key) {
      if (key === 'exit' || key === 'reallyExit' || key === 'abort' || key === 'kill') return fakeExit;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const connectTo = (port: number) =>
    new Promise<ReturnType<typeof connect>>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    });
  const listenOnAnyPort = () => {
    const server = createServer();
    opened.servers.add(server);
    server.listen(0, '127.0.0.1');
    return { addr: { port: 0 }, close: () => server.close() };
  };
  class FakeXMLHttpRequest {
    responseText = '';
    onload: (() => void) | undefined;
    onerror: (() => void) | undefined;
    private url = '';
    private synchronous = false;
    open(_method: string, url: string, asynchronous = true) {
      this.url = url;
      this.synchronous = !asynchronous;
    }
    send() {
      if (this.synchronous) {
        this.responseText = readFileSync(new URL(this.url), 'utf8');
        return;
      }
      fileOrFetch(this.url)
        .then((response) => response.text())
        .then(
          (text) => {
            this.responseText = text;
            this.onload?.();
          },
          () => this.onerror?.(),
        );
    }
  }
  class FakeWebSocket {
    onopen: (() => void) | undefined;
    onerror: (() => void) | undefined;
    onclose: (() => void) | undefined;
    constructor(url: string) {
      connectTo(Number(new URL(url).port)).then(
        (socket) => {
          socket.destroy();
          this.onopen?.();
        },
        () => this.onerror?.(),
      );
    }
  }
  class FakeEventSource {
    onopen: (() => void) | undefined;
    onerror: (() => void) | undefined;
    constructor(url: string) {
      fetch(url).then(
        () => this.onopen?.(),
        () => this.onerror?.(),
      );
    }
    close() {}
  }
  class FakeDenoCommand {
    constructor(
      private readonly command: string,
      private readonly options: { args: string[] },
    ) {}
    outputSync() {
      return spawnSync(this.command, this.options.args);
    }
  }
  return {
    require,
    process: exposedProcess,
    fetch: fileOrFetch,
    Response,
    TextDecoder,
    XMLHttpRequest: FakeXMLHttpRequest,
    WebSocket: FakeWebSocket,
    EventSource: FakeEventSource,
    navigator: {
      sendBeacon: (url: string, data: string) => {
        void fetch(url, { method: 'POST', body: data }).catch(() => {});
        return true;
      },
    },
    importScripts: (url: string) => void fetch(url).catch(() => {}),
    setTimeout: (callback: () => void, ms: number) => track(setTimeout(callback, ms)),
    setInterval: (callback: () => void, ms: number) => track(setInterval(callback, ms)),
    setImmediate: (callback: () => void) => track(setImmediate(callback)),
    queueMicrotask,
    Deno: {
      readTextFileSync: (path: string) => readFileSync(path, 'utf8'),
      readTextFile: (path: string) => readFile(path, 'utf8'),
      readFileSync: (path: string) => new Uint8Array(readFileSync(path)),
      writeTextFileSync: (path: string, text: string) => writeFileSync(path, text),
      writeTextFile: (path: string, text: string) => writeFile(path, text),
      mkdirSync: (path: string) => mkdirSync(path),
      env: { get: (name: string) => process.env[name], toObject: () => ({ ...process.env }) },
      Command: FakeDenoCommand,
      connect: async ({ port }: { port: number }) => {
        const socket = await connectTo(port);
        return { close: () => socket.destroy() };
      },
      listen: listenOnAnyPort,
      exit: fakeExit,
    },
    std: {
      loadFile: (path: string) => readFileSync(path, 'utf8'),
      open: (path: string, mode: string) =>
        mode === 'r'
          ? { readAsString: () => readFileSync(path, 'utf8') }
          : { puts: (text: string) => appendFileSync(path, text), close: () => {} },
      getenv: (name: string) => process.env[name],
      getenviron: () => ({ ...process.env }),
      exit: fakeExit,
    },
    os: {
      O_WRONLY: 1,
      O_CREAT: 64,
      open: (path: string, _flags: number, mode: number) => openSync(path, 'w', mode),
      close: (fd: number) => closeSync(fd),
      exec: (argv: string[]) => spawnSync(argv[0]!, argv.slice(1)).status,
      getpid: () => process.pid,
      kill: fakeExit,
    },
    Bun: {
      file: (path: string) => ({ text: () => readFile(path, 'utf8') }),
      write: (path: string, text: string) => writeFile(path, text),
      spawnSync: (argv: string[]) => spawnSync(argv[0]!, argv.slice(1)),
      env: process.env,
    },
  };
}

/** A sandbox that gets everything wrong; see the top of this file. Never use it for anything else. */
function createExposedEnvironment(): ReplEnvironment {
  return {
    specificationVersion: 'v1',
    environmentId: 'exposed-node-vm',
    language: 'javascript',
    async createSession({ context, hostFunctions }): Promise<ReplSession> {
      const opened: OpenedResources = { timers: new Set(), servers: new Set() };
      const sandbox = vm.createContext(exposedGlobals(opened));
      const prelude = vm.runInContext(JAVASCRIPT_PRELUDE_SOURCE, sandbox) as JavaScriptPrelude;
      let disposed = false;
      const control = prelude(
        {
          hostCall(name, argsJson) {
            // After dispose a call simply never settles, so no rejection escapes to the test runner.
            if (disposed) return new Promise(() => {});
            const hostFunction = hostFunctions[name];
            if (!hostFunction) return Promise.reject(new Error(`no host function ${name}`));
            return Promise.resolve()
              .then(() =>
                hostFunction(JSON.parse(argsJson) as JsonValue[], { signal: new AbortController().signal }),
              )
              .then((result) => (result === undefined ? '' : JSON.stringify(result)));
          },
        },
        // The context itself, not a copy: the cell holds a host object.
        { hostFunctionNames: Object.keys(hostFunctions), context },
      );
      return {
        async runCell(code, options = {}) {
          if (disposed) throw new Error('This session was disposed.');
          const startedAt = performance.now();
          const cell = rewriteJavaScriptCell(code);
          if (!cell.ok)
            return { stdout: '', stderr: '', droppedOutputChars: 0, error: cell.error, durationMs: 0 };
          control.beginCell(options.maxOutputChars ?? 1_000_000);
          let value: string | undefined;
          let error: CellError | undefined;
          let timer: NodeJS.Timeout | undefined;
          try {
            const completion = vm.runInContext(cell.code, sandbox, {
              filename: 'cell.js',
              importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
            }) as Promise<unknown>;
            const timedOut = new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('timeout')), options.timeoutMs ?? 10_000);
            });
            value = control.formatValue(await Promise.race([completion, timedOut]));
          } catch (thrown) {
            const description = control.describeError(thrown);
            error = {
              kind: description.message === 'timeout' ? 'timeout' : 'runtime',
              name: description.name,
              message: description.message,
              stack: description.stack,
            };
          } finally {
            clearTimeout(timer);
          }
          const output = JSON.parse(control.endCell()) as JavaScriptPreludeCellOutput;
          return {
            stdout: output.stdout,
            stderr: output.stderr,
            droppedOutputChars: output.droppedOutputChars,
            ...(value !== undefined && !error ? { value } : {}),
            ...(error ? { error } : {}),
            ...(output.final ? { final: output.final } : {}),
            durationMs: performance.now() - startedAt,
          };
        },
        async dispose() {
          disposed = true;
          for (const timer of opened.timers) {
            clearTimeout(timer as NodeJS.Timeout);
            clearInterval(timer as NodeJS.Timeout);
            clearImmediate(timer as NodeJS.Immediate);
          }
          for (const server of opened.servers) server.close();
        },
      };
    },
  };
}

/**
 * Checks (by title) that the fixture without holes cannot pass, and why: a limit of `node:vm`, not a
 * hole of the fixture. Every other check passes against it.
 */
const FIXTURE_CANNOT_PASS: ReadonlyMap<string, string> = new Map([
  [
    'errors and stack traces the cell sees name no file or folder of the host',
    'a node:vm context shares the host’s stack: frames of the host (node:vm, the fixture’s file) show in the sandbox’s stack traces',
  ],
]);

/** A variable that makes the host's environment far longer than what a probe prints from its start. */
const PADDING_VARIABLE = 'RLM_SECURITY_SELF_TEST_PADDING';
const PADDING_CHARS = 64 * 1024;

/** Every check of the suite. */
const ALL_CHECKS: readonly SecurityCheck[] = SECURITY_CHECK_GROUPS.flatMap((group) => group.checks);

/** Runs a check that must fail, and returns its failure. */
async function failureOf(check: SecurityCheck, kit: SecurityKit): Promise<Error> {
  const failure = await check.run(kit).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(failure instanceof Error)) throw new Error(`The check passed (or failed with ${String(failure)}).`);
  return failure;
}

describe('the security suite, against a sandbox that exposes the host', () => {
  const opener = createSessionOpener(createExposedEnvironment);
  let traps: SecurityTraps | undefined;
  let hostBefore: HostIntrinsicsSnapshot | undefined;
  let paddingBefore: string | undefined;
  const kit: SecurityKit = {
    open: (options) => opener.open(options),
    get traps() {
      if (!traps) throw new Error('The traps are not set up yet.');
      return traps;
    },
    stopGraceMs: 5_000,
  };

  beforeAll(async () => {
    // Before the traps, so the canary comes after it: whole-environment routes must be seen anyway.
    paddingBefore = process.env[PADDING_VARIABLE];
    process.env[PADDING_VARIABLE] = 'p'.repeat(PADDING_CHARS);
    traps = await setSecurityTraps();
  });
  afterAll(async () => {
    await traps?.close();
    if (paddingBefore === undefined) delete process.env[PADDING_VARIABLE];
    else process.env[PADDING_VARIABLE] = paddingBefore;
  });
  beforeEach(() => {
    hostBefore = snapshotHostIntrinsics();
    traps?.clearContacts();
  });
  afterEach(async () => {
    await opener.dispose();
    // The exposed sandbox pollutes the host's own prototypes on purpose; undo it.
    if (hostBefore) restoreHostIntrinsics(hostBefore);
  });

  it('runs with a host environment longer than a probe prints from its start, the canary last', () => {
    const whole = JSON.stringify(process.env);
    expect(whole.length).toBeGreaterThan(PADDING_CHARS);
    expect(whole.indexOf(kit.traps.canaryValue)).toBeGreaterThan(whole.indexOf(PADDING_VARIABLE));
  });

  for (const surface of ATTACK_SURFACES) {
    for (const route of surface.routes) {
      const name = `${surface.name}: ${route.name}`;
      if (NOT_REPRODUCIBLE.has(name)) continue;
      it(`sees the route get through — ${name}`, async () => {
        const session = await opener.open();
        const evidence = await surface.probe(session, kit.traps, [route]);
        expect(evidence.outcomes).toHaveLength(evidence.attempts);
        expect(evidence.breaches.length, evidence.outcomes.join('\n').slice(0, 2_000)).toBeGreaterThan(0);
      });
    }
  }

  it('lists only routes that exist, each of an API some real runtime has', () => {
    const names = new Set(
      ATTACK_SURFACES.flatMap((surface) => surface.routes.map((route) => `${surface.name}: ${route.name}`)),
    );
    expect([...NOT_REPRODUCIBLE.keys()].filter((name) => !names.has(name))).toEqual([]);
    const unreal = ATTACK_SURFACES.flatMap((surface) =>
      surface.routes.filter((route) => route.realIn.length === 0).map((route) => route.name),
    );
    expect(unreal, 'routes that no real runtime has').toEqual([]);
  });

  for (const check of ALL_CHECKS.filter((candidate) => candidate.failsWhenHostIsExposed)) {
    it(`fails the check, naming the breach — ${check.title}`, async () => {
      const expected = check.catches?.hostExposed;
      expect(expected, 'the check must declare `catches.hostExposed`: what its failure says').toBeInstanceOf(
        RegExp,
      );
      const failure = await failureOf(check, kit);
      expect(failure.message, `the failure said: ${failure.message}`).toMatch(expected as RegExp);
    }, 60_000);
  }
});

describe('every check of the suite is shown to fail against a sandbox with the hole it guards', () => {
  it('declares at least one hole (or fails when the host is exposed), and only holes that exist', () => {
    const undeclared = ALL_CHECKS.filter(
      (check) => !check.failsWhenHostIsExposed && Object.keys(check.catches ?? {}).length === 0,
    ).map((check) => check.title);
    expect(undeclared, `checks that no sandbox is shown to fail: ${undeclared.join('; ')}`).toEqual([]);
    const unknown = ALL_CHECKS.flatMap((check) =>
      Object.keys(check.catches ?? {})
        .filter((hole) => hole !== 'hostExposed' && !isFixtureHole(hole))
        .map((hole) => `${check.title}: ${hole}`),
    );
    expect(unknown, 'holes the fixture does not have').toEqual([]);
    const exposedWithoutFlag = ALL_CHECKS.filter(
      (check) => check.catches?.hostExposed && !check.failsWhenHostIsExposed,
    ).map((check) => check.title);
    expect(exposedWithoutFlag, 'checks that declare hostExposed without failsWhenHostIsExposed').toEqual([]);
  });

  it('excuses from the fixture only checks that exist', () => {
    const titles = new Set(ALL_CHECKS.map((check) => check.title));
    expect([...FIXTURE_CANNOT_PASS.keys()].filter((title) => !titles.has(title))).toEqual([]);
  });

  it('has no hole that no check catches', () => {
    const caught = new Set(ALL_CHECKS.flatMap((check) => Object.keys(check.catches ?? {})));
    expect(Object.keys(FIXTURE_HOLES).filter((hole) => !caught.has(hole))).toEqual([]);
  });
});

describe('the security suite, against the fixture sandbox with one hole at a time', () => {
  let traps: SecurityTraps | undefined;
  let hostBefore: HostIntrinsicsSnapshot | undefined;
  const kitFor = (holes: readonly string[]) => {
    const opener = createSessionOpener(() => createFixtureEnvironment(holes.filter(isFixtureHole)));
    const kit: SecurityKit = {
      open: (options) => opener.open(options),
      get traps() {
        if (!traps) throw new Error('The traps are not set up yet.');
        return traps;
      },
      // The hole `lateStop` stops cells 2 s late: more than this.
      stopGraceMs: 1_000,
    };
    return { kit, dispose: () => opener.dispose() };
  };

  beforeAll(async () => {
    traps = await setSecurityTraps();
  });
  afterAll(async () => {
    await traps?.close();
  });
  beforeEach(() => {
    hostBefore = snapshotHostIntrinsics();
    traps?.clearContacts();
  });
  afterEach(() => {
    if (hostBefore) restoreHostIntrinsics(hostBefore);
  });

  for (const check of ALL_CHECKS) {
    const holes = Object.entries(check.catches ?? {}).filter(([hole]) => isFixtureHole(hole));
    const timeout = Math.max(check.testTimeoutMs ?? 0, 60_000);
    // Checks proven only against the exposed sandbox still pass against the fixture without holes
    // (so the fixture is sound there too), unless the fixture cannot, for a reason of its own.
    if (holes.length === 0) {
      const reason = FIXTURE_CANNOT_PASS.get(check.title);
      if (reason === undefined)
        it(
          `passes without holes — ${check.title}`,
          async () => {
            const { kit, dispose } = kitFor([]);
            try {
              await check.run(kit);
            } finally {
              await dispose();
            }
          },
          timeout,
        );
      continue;
    }
    it(
      `passes without holes — ${check.title}`,
      async () => {
        const { kit, dispose } = kitFor([]);
        try {
          await check.run(kit);
        } finally {
          await dispose();
        }
      },
      timeout,
    );
    for (const [hole, expected] of holes) {
      it(
        `fails with the hole ${hole}, naming the breach — ${check.title}`,
        async () => {
          const { kit, dispose } = kitFor([hole]);
          try {
            const failure = await failureOf(check, kit);
            expect(failure.message, `the failure said: ${failure.message}`).toMatch(expected);
          } finally {
            await dispose();
          }
        },
        timeout,
      );
    }
  }
});

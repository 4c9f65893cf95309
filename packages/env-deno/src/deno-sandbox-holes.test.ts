import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellResult, HostFunction, ReplSession } from '@rlm/core';
import { MAX_CHILD_LINE_CHARS } from '@rlm/core/environment';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_HOST_CALL_CHARS_IN_FLIGHT, MAX_HOST_CALLS_IN_FLIGHT } from './child-protocol';
import { DENO_CHILD_PROGRAM } from './deno-child.sandbox.generated';
import { childProgramPath, scrubHostPaths } from './deno-child-process';
import { createDenoEnvironmentWith, type DenoEnvironmentOptions } from './deno-environment';

/**
 * The holes of issue 8 that are Deno's, each as a class of attacks: the sandbox's realm boundary
 * under replaced intrinsics, the protocol between child and host, storage, threads and CPU time left
 * behind, line and argument sizes, and host paths. The walls behind the sandbox's own are shown to
 * hold with copies of the child program that have exactly one hole each (the stack-trace lock taken
 * out, the child realm's globals left in, the bridge's in-flight gate taken out): a check that passes
 * against the real child must fail, or be caught by the wall behind, against the leaky one.
 */

const onLinux = process.platform === 'linux';
const MEBI = 1024 * 1024;

/** Walls a leaky copy of the child program can lack. */
type Hole = 'stack-trace lock' | 'child realm globals' | 'in-flight gate' | 'line cap';

/** Pasted at the start of a cell: in a child without the stack-trace lock, `outside` is the child program's global. */
const ESCAPE = `
const outsideFunction = (() => {
  let sites;
  const saved = Error;
  try { globalThis.Error = { prepareStackTrace(error, callSites) { sites = callSites; return ''; } }; } catch (error) {}
  try { null.boom; } catch (error) { String(error.stack); }
  try { globalThis.Error = saved; } catch (error) {}
  if (!sites) throw new Error('no escape: the stack-trace hook never ran');
  return sites[0].constructor.constructor;
})();
const outside = outsideFunction('return globalThis')();
if (outside === globalThis) throw new Error('no escape: the call site belongs to the sandbox');
`;

describe('Deno sandbox holes (issue 8)', () => {
  const sessions: ReplSession[] = [];
  const directories: string[] = [];
  const leakyChildren = new Map<string, string>();
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.dispose()));
  });
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  function temporaryDirectory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'rlm-deno-holes-'));
    directories.push(directory);
    return directory;
  }

  /** A copy of the child program with the given walls taken out. */
  function leakyChild(holes: readonly Hole[]): string {
    const name = holes.join('+');
    const known = leakyChildren.get(name);
    if (known) return known;
    let source = DENO_CHILD_PROGRAM;
    const cut = (from: string, to: string) => {
      expect(source, `the child program no longer holds ${JSON.stringify(from)}`).toContain(from);
      source = source.replace(from, to);
    };
    if (holes.includes('stack-trace lock')) {
      // The line that locks the sandbox's global Error and its prepareStackTrace.
      cut(['run(`(', '$', '{lockStackTraceHook})(globalThis)`, ', "'rlm-intrinsics.js');"].join(''), '');
    }
    if (holes.includes('child realm globals')) cut('delete globalThis[name];', 'void name;');
    if (holes.includes('in-flight gate')) {
      cut('if (argsJson.length > maxCharsInFlight) {', 'if (false) {');
      cut(
        'if (callsInFlight >= maxCallsInFlight || charsInFlight + argsJson.length > maxCharsInFlight) {',
        'if (false) {',
      );
      cut('maxHostCallsInFlight: maxCallsInFlight,', 'maxHostCallsInFlight: 1e9,');
      cut('maxHostCallCharsInFlight: maxCharsInFlight,', 'maxHostCallCharsInFlight: 1e12,');
    }
    if (holes.includes('line cap')) cut('if (!fits(fields, output)) {', 'if (false) {');
    const path = join(temporaryDirectory(), `leaky-child-${leakyChildren.size}.js`);
    writeFileSync(path, source);
    leakyChildren.set(name, path);
    return path;
  }

  interface OpenOptions extends DenoEnvironmentOptions {
    readonly holes?: readonly Hole[];
    readonly context?: string;
    readonly hostFunctions?: Record<string, HostFunction>;
  }

  async function open(options: OpenOptions = {}) {
    const { holes, context, hostFunctions, ...environmentOptions } = options;
    const directory = environmentOptions.temporaryDirectory ?? temporaryDirectory();
    const environment = createDenoEnvironmentWith(
      { memoryLimitMb: 256, keepSpareProcess: false, temporaryDirectory: directory, ...environmentOptions },
      holes ? { childScriptPath: leakyChild(holes) } : {},
    );
    const calls: unknown[][] = [];
    const session = await environment.createSession({
      context: context ?? 'the context',
      hostFunctions: hostFunctions ?? {
        echo: async (args) => {
          calls.push([...args]);
          return args[0] ?? null;
        },
      },
    });
    sessions.push(session);
    return { session, calls, directory };
  }

  /** Every text of a result a model would see. */
  function textOf(result: CellResult): string {
    return JSON.stringify(result);
  }

  function expectSessionRecovered(result: CellResult, reason: RegExp) {
    expect(result.error?.kind, textOf(result)).toBe('crash');
    expect(result.error?.name).toBe('SandboxError');
    expect(result.error?.message).toMatch(reason);
    expect(result.stateLost).toMatch(/A new Deno process was started/);
    expect(result.final).toBeUndefined();
  }

  describe('finding 3: the realm boundary survives replaced intrinsics', () => {
    /** A cell that installs a hook (`install`), provokes errors, and counts values from another realm. */
    const hookProbe = (install: string) => `
const handed = [];
const hook = function (error, sites) {
  handed.push(error, sites);
  if (sites && typeof sites.length === 'number') {
    for (let i = 0; i < sites.length && i < 50; i++) {
      handed.push(sites[i]);
      for (const method of ['getThis', 'getFunction', 'getTypeName', 'getFileName', 'getEvalOrigin']) {
        try { handed.push(sites[i][method]()); } catch (error) {}
      }
    }
  }
  return 'hooked';
};
try { ${install} } catch (error) {}
const provoked = [];
const provoke = async () => {
  try { null.boom; } catch (error) { provoked.push(String(error.stack)); }
  try { JSON.parse('{'); } catch (error) { provoked.push(String(error.stack)); }
  try { new Array(-1); } catch (error) { provoked.push(String(error.stack)); }
  try { await echo(1n); } catch (error) { provoked.push(String(error.stack)); }
  try { const target = {}; Error.captureStackTrace(target); provoked.push(String(target.stack)); } catch (error) {}
  try { await (async () => { await null; throw new TypeError('after await'); })(); } catch (error) { provoked.push(String(error.stack)); }
  try { await Promise.all([Promise.reject(new RangeError('in all'))]); } catch (error) { provoked.push(String(error.stack)); }
  try { new Function('return new Error("made")')().stack; } catch (error) {}
  const deep = (n) => { try { return deep(n + 1); } catch (error) { return echo('deep').catch((reason) => reason); } };
  const reason = await deep(0);
  handed.push(reason);
};
await provoke();
const foreign = handed.filter((value) => {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try { return value.constructor.constructor('return globalThis')() !== globalThis; } catch (error) { return false; }
}).length;
JSON.stringify({ foreign, handed: handed.length, provoked: provoked.length })`;

    const installs: readonly [string, string][] = [
      ['the global Error replaced by an object', 'globalThis.Error = { prepareStackTrace: hook };'],
      [
        'the global Error replaced by a function',
        'const Fake = function Error() {}; Fake.prepareStackTrace = hook; globalThis.Error = Fake;',
      ],
      [
        'the global Error replaced by a Proxy',
        "globalThis.Error = new Proxy(Error, { get: (target, key) => key === 'prepareStackTrace' ? hook : Reflect.get(target, key) });",
      ],
      ['Error.prepareStackTrace assigned', 'Error.prepareStackTrace = hook;'],
      [
        'Error.prepareStackTrace defined as an accessor',
        "Object.defineProperty(Error, 'prepareStackTrace', { get: () => hook, configurable: true });",
      ],
      [
        'Reflect.defineProperty on Error',
        "Reflect.defineProperty(Error, 'prepareStackTrace', { value: hook });",
      ],
      [
        'the global object given a getter for Error',
        "Object.defineProperty(globalThis, 'Error', { get: () => ({ prepareStackTrace: hook }), configurable: true });",
      ],
      [
        'Error deleted and put on the global prototype chain',
        'delete globalThis.Error; Object.setPrototypeOf(globalThis, Object.create(Object.getPrototypeOf(globalThis), { Error: { value: { prepareStackTrace: hook } } }));',
      ],
      [
        'prepareStackTrace on Function.prototype and Object.prototype',
        'Function.prototype.prepareStackTrace = hook; Object.prototype.prepareStackTrace = hook;',
      ],
      [
        'a subclass of Error with a static prepareStackTrace as the global Error',
        'globalThis.Error = class extends Error { static prepareStackTrace(error, sites) { return hook(error, sites); } };',
      ],
    ];

    it('hands no cell a value of the child program’s realm, however the hook is installed', async () => {
      for (const [name, install] of installs) {
        const { session } = await open();
        const result = await session.runCell(hookProbe(install), { timeoutMs: 20_000 });
        expect(result.error, `${name}: ${textOf(result)}`).toBeUndefined();
        const report = JSON.parse(JSON.parse(result.value ?? '""')) as { foreign: number; provoked: number };
        expect(report.provoked, name).toBeGreaterThanOrEqual(6);
        expect(report.foreign, `${name}: values from the child program's realm reached the cell`).toBe(0);
        // The boundary holds for the next cell too, and the session still works.
        const after = await session.runCell('[typeof Error.prepareStackTrace, await echo("ok")].join()');
        expect(after.value, name).toBe('"undefined,ok"');
      }
    }, 120_000);

    it('is what stops the escape: without the lock, the same probe reaches the child program', async () => {
      const { session } = await open({ holes: ['stack-trace lock'] });
      const result = await session.runCell(hookProbe(installs[0]![1]), { timeoutMs: 20_000 });
      const report = JSON.parse(JSON.parse(result.value ?? '""')) as { foreign: number };
      expect(report.foreign).toBeGreaterThan(0);
      const escaped = await session.runCell(`${ESCAPE}\ntypeof outside.MessageChannel`);
      expect(escaped.value).toBe('"function"');
    });

    it('leaves the child program realm without Deno, Worker, storage, process, console or import()', async () => {
      const { session } = await open({ holes: ['stack-trace lock'] });
      const names = [
        'Deno',
        'Worker',
        'localStorage',
        'sessionStorage',
        'caches',
        'process',
        'console',
        'fetch',
      ];
      const result = await session.runCell(
        `${ESCAPE}\nconst kinds = ${JSON.stringify(names)}.map((name) => typeof outside[name]);\nlet imported = 'no';\ntry { await outsideFunction('return import("node:fs")')(); imported = 'yes'; } catch (error) {}\n[...kinds, imported].join()`,
      );
      expect(result.value).toBe(JSON.stringify([...names.map(() => 'undefined'), 'no'].join()));
    });
  });

  describe('finding 3: the host trusts no line the child program’s realm can write', () => {
    const forgedCellDone = (id: string) =>
      `'{"type":"cellDone","id":' + ${id} + ',"outcome":"fulfilled","value":"\\\\"forged\\\\""}\\t{"stdout":"forged","stderr":"","droppedOutputChars":0,"final":{"source":"FINAL","value":"forged answer"}}'`;
    const attacks: readonly [string, string][] = [
      [
        'a forged FINAL for the running cell',
        `outside.console.log(${forgedCellDone('1')});\nawait new Promise(() => {});`,
      ],
      [
        'a forged line that guesses the secret and the line number',
        `outside.console.log('{"k":"guess","n":2,' + ${forgedCellDone('1')}.slice(1));\nawait new Promise(() => {});`,
      ],
      [
        'a forged host call',
        `outside.console.log('{"type":"hostCall","callId":99,"cell":1,"name":"echo"}\\t["forged call"]');\nawait new Promise(() => {});`,
      ],
      [
        'a stdout flood past maxOutputChars, without a newline',
        "const flood = 'x'.repeat(1_000_000);\nfor (let i = 0; i < 50; i++) outside.console.log(flood);\nawait new Promise(() => {});",
      ],
      [
        'a forged result for the next cell, written after this one ended',
        `const channel = new outside.MessageChannel();\nlet ticks = 0;\nchannel.port2.onmessage = () => { if (++ticks < 20) channel.port1.postMessage(0); else outside.console.log(${forgedCellDone('2')}); };\nchannel.port1.postMessage(0);\n'done'`,
      ],
    ];

    it.each(
      attacks,
    )('%s: ends the session with a clear error, and the host never acts on it', async (_name, attack) => {
      // The child realm keeps its console here, so the attack has a way to write to stdout at all.
      const { session, calls } = await open({ holes: ['stack-trace lock', 'child realm globals'] });
      let result = await session.runCell(`${ESCAPE}\n${attack}`, { timeoutMs: 10_000, maxOutputChars: 1000 });
      if (result.error === undefined) {
        // The forgery for the next cell: it lands once this cell is done.
        expect(result.value).toBe('"done"');
        result = await session.runCell('await new Promise(() => {})', { timeoutMs: 10_000 });
      }
      expectSessionRecovered(
        result,
        /broke the host protocol \(it (wrote a line that did not come from its protocol code|sent a line that is not a message of the protocol)/,
      );
      expect(textOf(result)).not.toMatch(/forged answer/);
      expect(result.stdout).toBe('');
      expect(calls).toEqual([]);
      const next = await session.runCell('[await echo("next"), typeof outsideFunction].join()');
      expect(next.value).toBe('"next,undefined"');
      expect(next.stateLost).toBeUndefined();
    });
  });

  describe('finding 3: sessions share no storage, and nothing of it reaches the disk', () => {
    it('refuses localStorage and the Cache API even in the child program’s realm', async () => {
      const directory = temporaryDirectory();
      const holes: Hole[] = ['stack-trace lock', 'child realm globals'];
      const secret = `rlm-secret-${Math.random().toString(36).slice(2)}`;
      const writer = await open({ holes, temporaryDirectory: directory, context: secret });
      const written = await writer.session.runCell(
        `${ESCAPE}\nconst stored = [];\ntry { outside.localStorage.setItem('s', context); stored.push('localStorage'); } catch (error) {}\ntry { const cache = await outside.caches.open('c'); await cache.put('https://rlm.invalid/', new outside.Response(context + 'x'.repeat(5_000_000))); stored.push('caches'); } catch (error) {}\n[typeof outside.localStorage, typeof outside.caches, ...stored].join()`,
        { timeoutMs: 20_000 },
      );
      // The APIs are there (this copy keeps them), and every write fails.
      expect(written.value).toBe('"object,object"');
      const reader = await open({ holes, temporaryDirectory: directory, context: 'reader' });
      const read = await reader.session.runCell(
        `${ESCAPE}\nconst found = [];\ntry { found.push(String(outside.localStorage.getItem('s'))); } catch (error) {}\ntry { const cache = await outside.caches.open('c'); const hit = await cache.match('https://rlm.invalid/'); if (hit) found.push(await hit.text()); } catch (error) {}\nfound.join()`,
        { timeoutMs: 20_000 },
      );
      expect(read.error).toBeUndefined();
      expect(read.value ?? '').not.toContain(secret);
      // Deno keeps location data in its cache directory: there it is an empty file, so nothing is stored.
      const [cacheName] = readdirSync(directory).filter((name) => name.startsWith('rlm-deno-cache-'));
      expect(cacheName).toBeDefined();
      const locationData = statSync(join(directory, cacheName!, 'location_data'));
      expect(locationData.isFile()).toBe(true);
      expect(locationData.size).toBe(0);
    }, 60_000);
  });

  describe.skipIf(!onLinux)('finding 3: nothing runs between cells', () => {
    const holes: Hole[] = ['stack-trace lock', 'child realm globals'];

    async function nextCellAfter(session: ReplSession, waitMs: number): Promise<CellResult> {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      return session.runCell('1 + 1', { timeoutMs: 10_000 });
    }

    it.each([
      [
        'a web Worker that spins',
        "new outside.Worker('data:text/javascript,for(;;){}', { type: 'module' });\n'started'",
      ],
      [
        'a web Worker that waits quietly',
        "new outside.Worker('data:text/javascript,onmessage=()=>{}', { type: 'module' });\n'started'",
      ],
      [
        'a node:worker_threads Worker',
        "const { Worker } = await outside.process.getBuiltinModule('node:worker_threads');\nnew Worker('for(;;){}', { eval: true });\n'started'",
      ],
    ])(
      '%s is found and its process killed, and the cell or the next one says so',
      async (_name, start) => {
        const { session } = await open({ holes });
        // The watch runs every 100 ms during a cell and every 500 ms between cells: the worker is found
        // in the cell that starts it, or else before the next one.
        const started = await session.runCell(`${ESCAPE}\n${start}`, { timeoutMs: 10_000 });
        const outcome = started.error === undefined ? await nextCellAfter(session, 1500) : started;
        // A spinning worker may be caught by its CPU time before its thread is seen.
        expectSessionRecovered(
          outcome,
          /ran code outside any cell \(it (started (a|\d+) Worker threads?|kept a CPU busy)/,
        );
        expect((await session.runCell('1 + 1')).value).toBe('2');
      },
      30_000,
    );

    it('kills a Worker started during a cell that is still running', async () => {
      const { session } = await open({ holes });
      const result = await session.runCell(
        `${ESCAPE}\nnew outside.Worker('data:text/javascript,onmessage=()=>{}', { type: 'module' });\nawait new Promise(() => {});`,
        { timeoutMs: 20_000 },
      );
      expectSessionRecovered(result, /it started (a|\d+) Worker threads?/);
    }, 30_000);

    it('kills a process that keeps a CPU busy between cells', async () => {
      const { session } = await open({ holes });
      const started = await session.runCell(
        `${ESCAPE}\nconst spin = new outside.MessageChannel();\nspin.port2.onmessage = () => { const end = Date.now() + 50; while (Date.now() < end) {} spin.port1.postMessage(0); };\nspin.port1.postMessage(0);\n'spinning'`,
        { timeoutMs: 10_000 },
      );
      expect(started.value).toBe('"spinning"');
      // On a busy machine the spinning thread may get less than half a core for a while: look again.
      let next = await nextCellAfter(session, 3000);
      for (let attempt = 0; attempt < 8 && next.error === undefined; attempt++) {
        next = await nextCellAfter(session, 1000);
      }
      expectSessionRecovered(next, /it kept a CPU busy for 2 s while no cell was running/);
    }, 60_000);

    it('lets an idle session sit between cells', async () => {
      const { session } = await open();
      await session.runCell('const kept = await echo(1);');
      // A cell that leaves garbage for the collector to clear while no cell runs.
      const heavy = await session.runCell(
        'let junk = Array.from({ length: 200 }, (_, i) => String(i).repeat(500_000)); junk.length',
      );
      expect(heavy.value).toBe('200');
      await session.runCell('junk = null;');
      const next = await nextCellAfter(session, 2500);
      expect(next.value).toBe('2');
      expect(next.stateLost).toBeUndefined();
    }, 30_000);
  });

  describe('findings 4 and 5: nothing in the sandbox outlives its cell or escapes the memory limit', () => {
    it('offers no WebAssembly, FinalizationRegistry, Atomics.wait or Atomics.waitAsync to a cell', async () => {
      const { session } = await open();
      const result = await session.runCell(
        '[typeof WebAssembly, typeof FinalizationRegistry, typeof Atomics.wait, typeof Atomics.waitAsync, typeof WeakRef].join()',
      );
      expect(result.value).toBe('"undefined,undefined,undefined,undefined,function"');
    });

    it('bounds WebAssembly memory by memoryLimitMb even in the child program’s realm', async () => {
      const { session } = await open({ holes: ['stack-trace lock'] });
      const result = await session.runCell(
        `${ESCAPE}\nconst outcomes = [];\nfor (const pages of [16, 256 * 16 + 1, 65536]) { try { new outside.WebAssembly.Memory({ initial: pages }); outcomes.push('made'); } catch (error) { outcomes.push(error.name); } }\ntry { new outside.WebAssembly.Memory({ initial: 1, maximum: 65536 }).grow(256 * 16); outcomes.push('grown'); } catch (error) { outcomes.push(error.name); }\noutcomes.join()`,
      );
      expect(result.value).toBe('"made,RangeError,RangeError,RangeError"');
    });
  });

  describe('findings 2 and 6: no line or argument too large for the host', () => {
    it('refuses inside the sandbox the call that used to crash the host, and the host goes on', async () => {
      // The reproduction of the issue: one argument of V8's longest string less the JSON quotes.
      const { session, calls } = await open({ memoryLimitMb: 3072 });
      const result = await session.runCell("const s = 'x'.repeat(536870888 - 4);\nawait echo(s);", {
        timeoutMs: 60_000,
      });
      expect(result.error?.kind, textOf(result).slice(0, 2000)).toBe('runtime');
      expect(result.error?.message).toMatch(
        /echo: the arguments are 536870888 characters of JSON, more than the 67108864 one call may carry to the host/,
      );
      expect(calls).toEqual([]);
      expect((await session.runCell('await echo("after")')).value).toBe('"after"');
    }, 120_000);

    it.each([
      ['one long string', `await echo('x'.repeat(${MAX_HOST_CALL_CHARS_IN_FLIGHT}));`],
      [
        'two arguments',
        `await echo('x'.repeat(${MAX_HOST_CALL_CHARS_IN_FLIGHT / 2}), 'y'.repeat(${MAX_HOST_CALL_CHARS_IN_FLIGHT / 2}));`,
      ],
      [
        'a nested list',
        `await echo({ parts: ['x'.repeat(${MAX_HOST_CALL_CHARS_IN_FLIGHT / 2}), 'y'.repeat(${MAX_HOST_CALL_CHARS_IN_FLIGHT / 2})] });`,
      ],
      ['escapes that grow in JSON', `await echo('"'.repeat(${MAX_HOST_CALL_CHARS_IN_FLIGHT / 2 + 1}));`],
    ])(
      'refuses a call whose arguments pass the cap (%s) with a clear error',
      async (_name, code) => {
        const { session, calls } = await open({ memoryLimitMb: 1024 });
        const result = await session.runCell(code, { timeoutMs: 60_000 });
        expect(result.error?.message).toMatch(
          /characters of JSON, more than the 67108864 one call may carry to the host/,
        );
        expect(result.stateLost).toBeUndefined();
        expect(calls).toEqual([]);
      },
      60_000,
    );

    it('fails a cell whose answer is too large to hand back, saying so, and keeps the session', async () => {
      const { session } = await open({ memoryLimitMb: 1024 });
      const result = await session.runCell(`const big = 'x'.repeat(${MAX_CHILD_LINE_CHARS});\nFINAL(big);`, {
        timeoutMs: 60_000,
      });
      expect(result.error?.name).toBe('RangeError');
      expect(result.error?.message).toMatch(/the Deno sandbox hands back at once/);
      expect(result.final).toBeUndefined();
      expect(result.stateLost).toBeUndefined();
      expect((await session.runCell('big.length')).value).toBe(String(MAX_CHILD_LINE_CHARS));
    }, 60_000);

    it('ends the session, not the host, when a line passes what the host reads (the child’s own cap taken out)', async () => {
      const { session } = await open({ memoryLimitMb: 3072, holes: ['line cap'] });
      const result = await session.runCell(
        `FINAL('x'.repeat(${70 * MEBI}) + '\\u0000'.repeat(${24 * MEBI}));`,
        {
          timeoutMs: 60_000,
        },
      );
      expectSessionRecovered(
        result,
        /broke the host protocol \(it sent more than \d+ bytes without ending the line\)/,
      );
      expect((await session.runCell('await echo("after")')).value).toBe('"after"');
    }, 120_000);

    it('refuses a host result too large to hand in, saying so', async () => {
      const { session } = await open({
        memoryLimitMb: 1024,
        hostFunctions: { huge: async () => 'x'.repeat(MAX_HOST_CALL_CHARS_IN_FLIGHT + 1) },
      });
      const result = await session.runCell('await huge()', { timeoutMs: 60_000 });
      expect(result.error?.message).toMatch(
        /huge returned 67108867 characters of JSON, more than the 67108864/,
      );
      expect((await session.runCell('1')).value).toBe('1');
    }, 60_000);

    it('counts arguments that host functions of ended cells still hold, refusing calls past the cap', async () => {
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { session } = await open({
        memoryLimitMb: 1024,
        // Ignores its abort signal: the host keeps its arguments until it returns.
        hostFunctions: {
          stubborn: async ([text]) => {
            await released;
            return String(text).length;
          },
        },
      });
      const left = await session.runCell(
        `globalThis.pending = stubborn('x'.repeat(${40 * MEBI})); 'left running'`,
      );
      expect(left.value).toBe('"left running"');
      const refused = await session.runCell(`await stubborn('y'.repeat(${40 * MEBI}))`, {
        timeoutMs: 30_000,
      });
      expect(refused.error?.message).toMatch(
        /stubborn: the host is still working on 41943044 characters of arguments of calls whose cells have ended; with this call's 41943044 it would hold more than 67108864/,
      );
      expect(refused.stateLost).toBeUndefined();
      release();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = await session.runCell(`await stubborn('z'.repeat(${40 * MEBI}))`, { timeoutMs: 30_000 });
      expect(after.value).toBe(String(40 * MEBI));
    }, 60_000);

    /** Host functions that record the largest total of arguments they held at once. */
    function measuringHost() {
      let held = 0;
      let peak = 0;
      let peakCalls = 0;
      let running = 0;
      const big: HostFunction = async ([text]) => {
        const size = JSON.stringify([text]).length;
        held += size;
        running++;
        peak = Math.max(peak, held);
        peakCalls = Math.max(peakCalls, running);
        // Long enough for every call the sandbox hands over to arrive while the first still runs.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        held -= size;
        running--;
        return String(text).length;
      };
      return { hostFunctions: { big }, peak: () => peak, peakCalls: () => peakCalls };
    }

    it('never hands the host more than the cap of arguments at once', async () => {
      const host = measuringHost();
      const { session } = await open({ memoryLimitMb: 1024, hostFunctions: host.hostFunctions });
      const result = await session.runCell(
        `const lengths = await Promise.all(Array.from({ length: 6 }, (_, i) => big(String(i).repeat(${20 * MEBI}))));\nlengths.join()`,
        { timeoutMs: 60_000 },
      );
      expect(result.value).toBe(
        JSON.stringify(
          Array(6)
            .fill(20 * MEBI)
            .join(),
        ),
      );
      expect(host.peak()).toBeLessThanOrEqual(MAX_HOST_CALL_CHARS_IN_FLIGHT);
      expect(host.peakCalls()).toBe(3);
    }, 60_000);

    it.each([
      [
        'characters',
        `await Promise.all(Array.from({ length: 6 }, (_, i) => big(String(i).repeat(${20 * MEBI}))));`,
      ],
      [
        'calls',
        `await Promise.all(Array.from({ length: ${MAX_HOST_CALLS_IN_FLIGHT + 8} }, (_, i) => big(String(i))));`,
      ],
    ])(
      'kills a child whose calls in flight pass the cap of %s (the bridge’s gate taken out)',
      async (_name, code) => {
        const host = measuringHost();
        const { session } = await open({
          memoryLimitMb: 1024,
          holes: ['in-flight gate'],
          hostFunctions: host.hostFunctions,
        });
        const result = await session.runCell(code, { timeoutMs: 60_000 });
        expectSessionRecovered(
          result,
          /broke the host protocol \(it had more than 32 host calls or 67108864 characters of arguments/,
        );
        expect(host.peak()).toBeLessThanOrEqual(MAX_HOST_CALL_CHARS_IN_FLIGHT);
        expect(host.peakCalls()).toBeLessThanOrEqual(MAX_HOST_CALLS_IN_FLIGHT);
      },
      60_000,
    );
  });

  describe('finding 9: no host path in anything a cell sees', () => {
    const packageDirectory = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');

    it('shows no install path in stacks, errors and values', async () => {
      const { session } = await open();
      const cells = [
        'new Error("here").stack',
        'throw new Error("thrown")',
        'null.boom',
        'function f() { return f(); } f()',
        'JSON.parse("{")',
        'await echo(1n)',
        'await Promise.reject(new TypeError("async"))',
        'await (async () => { await null; throw new Error("after await"); })()',
        'const o = {}; Error.captureStackTrace(o); o.stack',
        '(() => { try { null.x } catch (error) { return error.stack } })()',
        'this is not javascript',
        'SHOW_VARS()',
        '[new Error("a"), new RangeError("b")]',
      ];
      for (const code of cells) {
        const text = textOf(await session.runCell(code));
        expect(text, code).not.toContain('file://');
        expect(text, code).not.toContain(packageDirectory);
        expect(text, code).not.toContain('rlm-deno-cache-');
      }
    });

    it('replaces the host’s paths in what it reports of the process', () => {
      const settings = {
        denoPath: '/opt/deno/bin/deno',
        cacheDirectory: '/tmp/rlm-deno-cache-x',
        temporaryDirectory: '/tmp',
      };
      const programPath = childProgramPath(settings.cacheDirectory);
      const text = `error: Uncaught at file://${programPath}:3:1 (${programPath}) ran by /opt/deno/bin/deno in /tmp/rlm-deno-cache-x/y and ${packageDirectory}/package.json`;
      const scrubbed = scrubHostPaths(text, settings);
      expect(scrubbed).toBe(
        'error: Uncaught at rlm-deno-child.js:3:1 (rlm-deno-child.js) ran by <deno> in <deno cache>/y and <@rlm/env-deno>/package.json',
      );
    });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PYTHON_SECURITY_CHECK_GROUPS,
  type PythonSecurityCheck,
  type PythonSecurityKit,
} from './test-environment-python-security';
import {
  createLeakyPythonEnvironment,
  isLeakyPythonHole,
  LATE_STOP_MS,
  LEAKY_PYTHON_HOLES,
  type LeakyPythonHole,
  requirePython3,
} from './test-environment-python-security-fixture';
import { type SecurityTraps, setSecurityTraps } from './test-environment-security-traps';
import { createSessionOpener } from './test-environment-session';

/**
 * The Python security suite is only as good as its power to fail. These tests run every check of it
 * against a host `python3` with no sandbox at all (`test-environment-python-security-fixture.ts`):
 * each check that guards a host capability (files, environment, processes, network, the JavaScript
 * realm) must fail against it, with a message naming the breach. Every other check must pass against
 * it (so the REPL is sound there) and fail once the REPL is given the hole the check declares in
 * `catches`. A check that no REPL is shown to fail must be listed in {@link NOT_SHOWN_TO_FAIL} with
 * the reason, which the test prints.
 */

/**
 * For the checks that guard a host capability: the attack routes (as the check's failure names them)
 * that must get through a host Python, each one seen. The routes left out need Deno (`js Deno…`),
 * Pyodide's own modules (`pyodide.http`, `run_js`, `_pyodide_core`) or a global `WebSocket`, which
 * this REPL's Node realm does not have.
 */
const ROUTES_THROUGH_HOST_PYTHON: ReadonlyMap<string, readonly string[]> = new Map([
  [
    'cannot read host files: open, os, pathlib, io, the interpreter’s file system and the JavaScript realm',
    ['open /', 'io.open /', 'pathlib /', 'os.open /', 'js node:fs /', 'open package.json'],
  ],
  ['cannot write files the host can see', ['open w', 'os.open', 'pathlib', 'js node:fs write']],
  [
    'cannot read the host’s environment variables: os.environ, os.getenv, the JavaScript realm',
    ['os.environ', 'os.getenv', 'js process.env', 'js node:process'],
  ],
  [
    'cannot start processes: os.system, subprocess, os.popen, os.fork, posix, ctypes, the JavaScript realm',
    [
      'os.system',
      'os.popen',
      'os.fork',
      'os.execv',
      'subprocess.run',
      'posix.system',
      'ctypes system',
      'js node:child_process',
    ],
  ],
  [
    'cannot reach the network: socket, urllib, pyodide.http, the JavaScript realm (the listener hears nothing)',
    // Not `js import` of an http: URL: Node's module loader does not load those.
    ['GET /socket', 'GET /urllib', 'GET /fetch'],
  ],
  [
    'sys.modules, importlib, builtins and __subclasses__ walks reach nothing of the host',
    [
      'sys.modules os.system',
      '__import__ posix.system',
      '__subclasses__ Popen',
      '__subclasses__ __globals__ system',
    ],
  ],
]);

/**
 * A variable that makes the host's environment far longer than what a probe prints from its start.
 * Its name sorts before the canary's and it is set first, so the canary comes after it whether the
 * environment keeps the order variables were set in or is sorted (a `python3` that is a shell shim).
 */
const PADDING_VARIABLE = 'RLM_SECURITY_AAA_SELF_TEST_PADDING';
/** How much of what an attempt returned a Python probe prints from its start. */
const SHOWN_HEAD_CHARS = 4_000;
const PADDING_CHARS = 64 * 1024;

/** Checks (by title) that nothing here shows to fail, and why. Empty: every check is shown to fail. */
const NOT_SHOWN_TO_FAIL: ReadonlyMap<string, string> = new Map();

/** Longer than the leaky REPL takes to end and restart a process; shorter than its `lateStop`. */
const STOP_GRACE_MS = 2_500;

const ALL_CHECKS: readonly PythonSecurityCheck[] = PYTHON_SECURITY_CHECK_GROUPS.flatMap(
  (group) => group.checks,
);

/** Runs a check that must fail, and returns its failure. */
async function failureOf(check: PythonSecurityCheck, kit: PythonSecurityKit): Promise<Error> {
  const failure = await check.run(kit).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(failure instanceof Error)) throw new Error(`The check passed (or failed with ${String(failure)}).`);
  return failure;
}

describe('the host Python the self-test needs', () => {
  // Fails, saying what to install, when python3 is missing: never a silent skip.
  it('runs python3 (the leaky REPL is a host Python process)', () => {
    requirePython3();
    expect(STOP_GRACE_MS).toBeLessThan(LATE_STOP_MS);
  });
});

describe('the Python security suite, against a host Python with no sandbox, then one hole at a time', () => {
  let traps: SecurityTraps | undefined;
  let paddingBefore: string | undefined;
  const kitFor = (holes: readonly LeakyPythonHole[]) => {
    const opener = createSessionOpener(() => createLeakyPythonEnvironment(holes));
    const kit: PythonSecurityKit = {
      open: (options) => opener.open(options),
      get traps() {
        if (!traps) throw new Error('The traps are not set up yet.');
        return traps;
      },
      stopGraceMs: STOP_GRACE_MS,
    };
    return { kit, dispose: () => opener.dispose() };
  };
  const withKit = async (
    holes: readonly LeakyPythonHole[],
    use: (kit: PythonSecurityKit) => Promise<void>,
  ) => {
    const { kit, dispose } = kitFor(holes);
    try {
      await use(kit);
    } finally {
      await dispose();
    }
  };

  beforeAll(async () => {
    // No python3 is a failure of every test here, saying what to install: never a silent skip.
    requirePython3();
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
    traps?.clearContacts();
  });

  it('runs with a host environment in which the canary is far past what a probe prints from its start', () =>
    withKit([], async (kit) => {
      const session = await kit.open();
      const where = await session.ok(
        `import os\nr = repr(dict(os.environ))\n(len(r), r.find(${JSON.stringify(kit.traps.canaryValue)}))`,
      );
      const [length, at] = JSON.parse(`[${where.value?.slice(1, -1)}]`) as [number, number];
      expect(length).toBeGreaterThan(PADDING_CHARS);
      expect(at).toBeGreaterThan(SHOWN_HEAD_CHARS);
    }));

  for (const check of ALL_CHECKS) {
    const timeout = Math.max(check.testTimeoutMs ?? 0, 60_000);
    const exposed = check.catches?.hostExposed;
    if (exposed) {
      it(
        `fails against the host Python, naming the breach — ${check.title}`,
        () =>
          withKit([], async (kit) => {
            const failure = await failureOf(check, kit);
            expect(failure.message, `the failure said: ${failure.message}`).toMatch(exposed);
            for (const route of ROUTES_THROUGH_HOST_PYTHON.get(check.title) ?? []) {
              expect(failure.message, `the route ${route} was not seen to get through`).toContain(route);
            }
          }),
        timeout,
      );
    } else if (!NOT_SHOWN_TO_FAIL.has(check.title)) {
      it(
        `passes against the host Python without holes — ${check.title}`,
        () => withKit([], (kit) => check.run(kit)),
        timeout,
      );
    }
    for (const [hole, expected] of Object.entries(check.catches ?? {})) {
      if (!isLeakyPythonHole(hole)) continue;
      it(
        `fails with the hole ${hole}, naming the breach — ${check.title}`,
        () =>
          withKit([hole], async (kit) => {
            const failure = await failureOf(check, kit);
            expect(failure.message, `the failure said: ${failure.message}`).toMatch(expected);
          }),
        timeout,
      );
    }
  }
});

describe('every Python check is shown to fail', () => {
  it('declares at least one hole it catches (or is excused, with the reason printed), and only holes that exist', () => {
    for (const [title, reason] of NOT_SHOWN_TO_FAIL) {
      console.info(`Python security check not shown to fail: ${title} — ${reason}`);
    }
    const undeclared = ALL_CHECKS.filter(
      (check) => Object.keys(check.catches ?? {}).length === 0 && !NOT_SHOWN_TO_FAIL.has(check.title),
    ).map((check) => check.title);
    expect(undeclared, `checks that nothing shows to fail: ${undeclared.join('; ')}`).toEqual([]);
    const unknown = ALL_CHECKS.flatMap((check) =>
      Object.keys(check.catches ?? {})
        .filter((hole) => hole !== 'hostExposed' && !isLeakyPythonHole(hole))
        .map((hole) => `${check.title}: ${hole}`),
    );
    expect(unknown, 'holes the leaky REPL does not have').toEqual([]);
    const titles = new Set(ALL_CHECKS.map((check) => check.title));
    expect([...NOT_SHOWN_TO_FAIL.keys()].filter((title) => !titles.has(title))).toEqual([]);
  });

  it('lists routes only of checks that exist and guard a host capability', () => {
    const exposed = new Set(
      ALL_CHECKS.filter((check) => check.catches?.hostExposed).map((check) => check.title),
    );
    expect([...ROUTES_THROUGH_HOST_PYTHON.keys()].filter((title) => !exposed.has(title))).toEqual([]);
  });

  it('has no hole that no check catches', () => {
    const caught = new Set(ALL_CHECKS.flatMap((check) => Object.keys(check.catches ?? {})));
    expect(Object.keys(LEAKY_PYTHON_HOLES).filter((hole) => !caught.has(hole))).toEqual([]);
  });
});

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

/** Checks (by title) that nothing here shows to fail, and why. Empty: every check is shown to fail. */
const NOT_SHOWN_TO_FAIL: ReadonlyMap<string, string> = new Map();

/** Longer than the leaky REPL takes to end and restart a process; shorter than its `lateStop`. */
const STOP_GRACE_MS = 1_500;

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

describe('the Python security suite, against a host Python with no sandbox, then one hole at a time', () => {
  let traps: SecurityTraps | undefined;
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
    traps = await setSecurityTraps();
  });
  afterAll(async () => {
    await traps?.close();
  });
  beforeEach(() => {
    traps?.clearContacts();
  });

  it('runs python3 (the leaky REPL is a host Python process)', () => {
    requirePython3();
    expect(STOP_GRACE_MS).toBeLessThan(LATE_STOP_MS);
  });

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

  it('has no hole that no check catches', () => {
    const caught = new Set(ALL_CHECKS.flatMap((check) => Object.keys(check.catches ?? {})));
    expect(Object.keys(LEAKY_PYTHON_HOLES).filter((hole) => !caught.has(hole))).toEqual([]);
  });
});

import { expect } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import type { CellResult } from '../environment/repl-environment';
import type { SecurityTraps } from './test-environment-security-traps';
import {
  type ConformanceSession,
  DEFAULT_CONFORMANCE_CONTEXT,
  type OpenSessionOptions,
} from './test-environment-session';

/** A capability some security checks need; an environment that lacks it fails them. */
export type SecurityCapability = 'memoryLimit' | 'interruptsSynchronousCode';

/** What a security check gets to work with. */
export interface SecurityKit {
  /** Opens a session of the environment under test (host functions as in the conformance suite). */
  open(options?: OpenSessionOptions): Promise<ConformanceSession>;
  /** The canary, secret files and listener set up on the host. */
  readonly traps: SecurityTraps;
  /** Milliseconds the environment may take to stop a cell after its timeout. */
  readonly stopGraceMs: number;
}

/** One adversarial check: an attack, what the host expects to see, and that everything is fine after. */
export interface SecurityCheck {
  readonly title: string;
  /** Capabilities without which the environment cannot pass (it fails the check, saying so). */
  readonly needs?: readonly SecurityCapability[];
  /** The vitest timeout of the check, when the default is not enough. */
  readonly testTimeoutMs?: number;
  /**
   * True when a sandbox that hands the cell the host's own globals and objects (a bare `node:vm`
   * context) fails this check. Core's own tests run such a sandbox to prove these checks can fail.
   */
  readonly failsWhenHostIsExposed?: boolean;
  /**
   * The holes this check must catch, each with a pattern its failure message must match, so that it
   * is shown to fail for that breach and not for something else. The keys are the holes of core's
   * fixture sandbox (`FIXTURE_HOLES` in `test-environment-security-fixture.ts`), and `hostExposed` for
   * the sandbox that exposes the host ({@link failsWhenHostIsExposed}). Core's self-test runs the
   * check against the fixture with each hole (it must fail, with a matching message) and without
   * holes (it must pass). Every check declares at least one.
   */
  readonly catches?: Readonly<Record<string, RegExp>>;
  run(kit: SecurityKit): Promise<void>;
}

/** Checks that belong together, registered as one `describe` block. */
export interface SecurityCheckGroup {
  readonly name: string;
  readonly checks: readonly SecurityCheck[];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reply of the conformance host's `echo` to `echo(...args)`. */
export function echoReply(...args: JsonValue[]): JsonValue {
  return { args, nested: { list: [1, 'two', null] } };
}

/**
 * After an attack: the session still runs cells, `context` is intact, a host call goes and comes back
 * as plain JSON, `FINAL` works, and nothing else reached `echo` meanwhile.
 */
export async function expectSessionUnharmed(
  session: ConformanceSession,
  expectedContext = `string ${DEFAULT_CONFORMANCE_CONTEXT.length}`,
): Promise<void> {
  const before = session.host.calls.echo?.length ?? 0;
  const result = await session.run(
    "console.log(typeof context, context.length);\nFINAL(await echo('unharmed'));",
    { timeoutMs: 10_000 },
  );
  expect(result.error, 'the session is unusable after the attack').toBeUndefined();
  expect(result.stdout).toBe(`${expectedContext}\n`);
  expect(result.final?.value).toBe(JSON.stringify(echoReply('unharmed'), null, 2));
  expect(session.host.calls.echo?.slice(before)).toEqual([['unharmed']]);
}

/** Fails unless the cell ended at its timeout (a restart is allowed) within the environment's grace. */
export function expectStoppedInTime(
  result: CellResult,
  timeoutMs: number,
  startedAt: number,
  stopGraceMs: number,
) {
  const elapsed = Math.round(performance.now() - startedAt);
  expect(elapsed, `the cell stopped after ${elapsed} ms, more than its timeout plus the grace`).toBeLessThan(
    timeoutMs + stopGraceMs,
  );
  expect(result.error?.kind, 'the cell did not end with a timeout').toBe('timeout');
}

/** A JSON context with nested objects and lists, for checks that need more than a string. */
export const OBJECT_CONTEXT: JsonValue = { doc: 'text', list: [1, 'two'], nested: { deep: [{}] } };

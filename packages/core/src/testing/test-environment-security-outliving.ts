import { expect } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import type { CellResult } from '../environment/repl-environment';
import {
  expectSessionUnharmed,
  expectStoppedInTime,
  type SecurityCheck,
  sleep,
} from './test-environment-security-kit';
import type { ConformanceSession } from './test-environment-session';

// Work that outlives its cell.

/** Host calls recorded under `name` whose first argument starts with `prefix`. */
function callsStartingWith(session: ConformanceSession, name: string, prefix: string): JsonValue[][] {
  return (session.host.calls[name] ?? []).filter(
    (args) => typeof args[0] === 'string' && args[0].startsWith(prefix),
  );
}

/**
 * A cell that was running when its session was disposed, or that was started after: it must end with
 * an `aborted` error, or reject with an error that says the session was disposed — not with whatever
 * broke inside the environment (a `TypeError` from a freed sandbox says nothing and may hide worse).
 */
async function expectEndedByDispose(running: Promise<CellResult>, what: string): Promise<void> {
  const outcome = await running.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('result' in outcome) {
    expect(
      outcome.result.error?.kind,
      `${what} resolved instead of rejecting, so it must end with an \`aborted\` error`,
    ).toBe('aborted');
    return;
  }
  const message =
    outcome.error instanceof Error
      ? `${outcome.error.name}: ${outcome.error.message}`
      : String(outcome.error);
  expect(message, `${what} rejected with an error that does not say the session was disposed`).toMatch(
    /dispos/i,
  );
}

export const OUTLIVING_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'timers set by a cell never fire after it ended: no host call, no output, no state change',
    failsWhenHostIsExposed: true,
    catches: { hostExposed: /timers ran after the cell ended/ },
    async run(kit) {
      const session = await kit.open();
      const scheduled = await session.run(
        `const late = (label) => () => { globalThis.lateRuns = (globalThis.lateRuns || 0) + 1; console.log('LATE ' + label); echo('late ' + label); };
const kinds = [];
if (typeof setTimeout === 'function') {
  setTimeout(late('setTimeout'), 20);
  try { setTimeout('globalThis.lateRuns = 100', 20); } catch (error) {}
  kinds.push('setTimeout');
}
if (typeof setInterval === 'function') { setInterval(late('setInterval'), 20); kinds.push('setInterval'); }
if (typeof setImmediate === 'function') { setImmediate(late('setImmediate')); kinds.push('setImmediate'); }
if (typeof requestAnimationFrame === 'function') { requestAnimationFrame(late('requestAnimationFrame')); kinds.push('requestAnimationFrame'); }
kinds.join(' ')`,
      );
      expect(scheduled.error).toBeUndefined();
      await sleep(300);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from timers after the cell ended',
      ).toEqual([]);
      const after = await session.run(
        "const first = globalThis.lateRuns || 0;\nawait echo('between');\nconsole.log(first, globalThis.lateRuns || 0);",
      );
      expect(after.error).toBeUndefined();
      expect(after.stdout, 'timers ran after the cell ended (runs before, during the next cell)').toBe(
        '0 0\n',
      );
      await sleep(100);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from callbacks after the cell ended',
      ).toEqual([]);
      await expectSessionUnharmed(session);
    },
  },
  {
    title:
      'callbacks chained on host calls a cell did not await never run in a later cell, nor get the late result',
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed:
        /callbacks printed into the cell|a later cell saw the callbacks run|host calls from callbacks after the cell ended/,
    },
    async run(kit) {
      const session = await kit.open({ latencyMs: 100 });
      const first = await session.run(
        `globalThis.lateRuns = 0;
const late = (label) => (value) => { globalThis.lateRuns++; globalThis.lateValue = value; console.log('LATE ' + label); echo('late ' + label); };
llm_query('slow').then(late('then'), late('then-rejected'));
never('forever').then(late('never-then'), late('never-rejected'));
(async () => { try { globalThis.lateValue = await llm_query('awaited later'); } catch (error) {} late('after await')(); })();
'started'`,
      );
      expect(first.error).toBeUndefined();
      expect(first.stdout, 'callbacks printed into the cell').toBe('');
      await sleep(300);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from callbacks after the cell ended',
      ).toEqual([]);
      const second = await session.run(
        "const before = globalThis.lateRuns;\nawait echo('between');\nawait null;\nconsole.log(before === globalThis.lateRuns, typeof lateValue === 'string' && lateValue.startsWith('answer:'));",
      );
      expect(second.error).toBeUndefined();
      expect(second.stdout, 'a later cell saw the callbacks run, or the late result').toBe('true false\n');
      await sleep(100);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from callbacks after the cell ended',
      ).toEqual([]);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'an endless loop of host calls a cell left running stops when the cell ends, and at dispose',
    catches: {
      hostFunctionsOfTheHost: /host calls after the cell ended/,
      disposeBreaksCells: /rejected with an error that does not say the session was disposed/,
    },
    async run(kit) {
      const session = await kit.open({ latencyMs: 20 });
      const started = await session.run(
        "(async () => { for (;;) { await llm_query('loop'); console.log('tick'); } })();\n'started'",
      );
      expect(started.error).toBeUndefined();
      const countAfterCell = callsStartingWith(session, 'llm_query', 'loop').length;
      await sleep(300);
      expect(callsStartingWith(session, 'llm_query', 'loop'), 'host calls after the cell ended').toHaveLength(
        countAfterCell,
      );
      const next = await session.run("await echo('next');\nawait null;\n'next'");
      expect(next.error).toBeUndefined();
      expect(next.stdout).toBe('');
      await expectSessionUnharmed(session);
      // The same loop in a session that is disposed while its cell still waits.
      const other = await kit.open({ latencyMs: 20 });
      const running = other.session.runCell(
        "(async () => { for (;;) { await llm_query('loop'); } })();\nawait never('x');",
        { timeoutMs: 30_000 },
      );
      await sleep(100);
      await other.session.dispose();
      await expectEndedByDispose(running, 'the cell running when its session was disposed');
      const countAtDispose = callsStartingWith(other, 'llm_query', 'loop').length;
      await sleep(300);
      expect(
        callsStartingWith(other, 'llm_query', 'loop'),
        'host calls after the session was disposed',
      ).toHaveLength(countAtDispose);
      await expectEndedByDispose(other.session.runCell('1'), 'a cell run after dispose');
    },
  },
  {
    title: 'an endless microtask loop ends at the timeout and does not run on afterwards',
    catches: { lateStop: /more than its timeout plus the grace/ },
    needs: ['interruptsSynchronousCode'],
    async run(kit) {
      const session = await kit.open();
      const startedAt = performance.now();
      const result = await session.run(
        "globalThis.ticks = 0;\n(function loop() { ticks++; Promise.resolve().then(loop); })();\nif (typeof queueMicrotask === 'function') queueMicrotask(function again() { ticks++; queueMicrotask(again); });\n'started'",
        { timeoutMs: 300 },
      );
      expectStoppedInTime(result, 300, startedAt, kit.stopGraceMs);
      const read = "typeof ticks === 'number' ? ticks : -1";
      const first = await session.run(read);
      await sleep(100);
      const second = await session.run(`await echo('between');\n${read}`);
      expect(first.error).toBeUndefined();
      expect(second.value).toBe(first.value);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a promise that never settles ends at the timeout; the variables stay',
    catches: { restartOnTimeout: /a cell that only waited was restarted/ },
    async run(kit) {
      const session = await kit.open();
      await session.ok("const kept = 'kept';");
      const startedAt = performance.now();
      const result = await session.run('await new Promise(() => {});', { timeoutMs: 300 });
      expectStoppedInTime(result, 300, startedAt, kit.stopGraceMs);
      expect(result.stateLost, 'a cell that only waited was restarted').toBeUndefined();
      expect((await session.ok('kept')).value).toBe('"kept"');
      await expectSessionUnharmed(session);
    },
  },
];

import { describe, expect, it } from 'vitest';
import type { ReplEnvironment } from '../environment/repl-environment';
import type { ConformanceSession, OpenSessionOptions } from './test-environment-session';

/** What the busy-cell checks need of `testEnvironment`'s setup. */
export interface BusyCellConformanceSetup {
  readonly factory: () => ReplEnvironment | Promise<ReplEnvironment>;
  readonly open: (options?: OpenSessionOptions) => Promise<ConformanceSession>;
  /** The environment can stop synchronous code at all (else these checks are skipped). */
  readonly interruptsSynchronousCode: boolean;
  /** Milliseconds from an abort, or a deadline, to the end of a busy cell. */
  readonly busyStopMs: number;
  /** The longest the host's event loop may stall while a cell is busy. */
  readonly maxEventLoopLagMs: number;
}

/**
 * Samples how late a 10 ms timer chain fires while `during` runs: the host's event-loop lag. A
 * runner-agnostic stand-in for `perf_hooks.monitorEventLoopDelay`: an engine that runs cells on the
 * host's own thread stalls it for the whole cell.
 */
async function measureEventLoopLag<T>(during: () => Promise<T>): Promise<{ result: T; maxLagMs: number }> {
  let maxLagMs = 0;
  let running = true;
  let expected = performance.now() + 10;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - expected);
    expected = now + 10;
    if (running) timer = setTimeout(tick, 10);
  };
  timer = setTimeout(tick, 10);
  try {
    const result = await during();
    // A tick that was due but never ran (the loop was blocked until the end) is lag all the same.
    maxLagMs = Math.max(maxLagMs, performance.now() - expected);
    return { result, maxLagMs };
  } finally {
    running = false;
    clearTimeout(timer);
  }
}

/** Resources of these kinds keep a host process alive; an environment must leave none behind. */
const LIVE_RESOURCE_KINDS = ['ProcessWrap', 'PipeWrap', 'MessagePort', 'Worker', 'TCPWrap', 'TCPSocketWrap'];

function liveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (LIVE_RESOURCE_KINDS.includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Checks that a cell never holds the host hostage: an abort and a deadline stop a cell that never yields within `busyStopMs`; the host's event loop stays
 * responsive meanwhile (what the CLI's Ctrl-C, live progress and in-flight sub-calls need); and an
 * environment's `dispose()` leaves nothing that keeps the host process alive.
 */
export function describeBusyCellConformance(setup: BusyCellConformanceSetup): void {
  const { open, factory, busyStopMs, maxEventLoopLagMs } = setup;
  const busy = it.skipIf(!setup.interruptsSynchronousCode);

  describe('busy cells', () => {
    busy(
      `stops \`while (true) {}\` within ${busyStopMs} ms of an abort, and the host's event loop stays responsive`,
      async () => {
        const { run, ok } = await open();
        const controller = new AbortController();
        let abortedAt = 0;
        const abortTimer = setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 500);
        const { result, maxLagMs } = await measureEventLoopLag(() =>
          run('while (true) {}', { timeoutMs: 60_000, signal: controller.signal }),
        );
        clearTimeout(abortTimer);
        const stoppedAfterMs = performance.now() - abortedAt;
        expect(abortedAt, 'the abort never fired: the event loop was blocked').toBeGreaterThan(0);
        expect(result.error?.kind).toBe('aborted');
        expect(stoppedAfterMs, 'milliseconds from the abort to the end of the busy cell').toBeLessThan(
          busyStopMs,
        );
        expect(maxLagMs, "the host's event-loop lag during the busy cell, in ms").toBeLessThan(
          maxEventLoopLagMs,
        );
        expect((await ok('1 + 1')).value).toBe('2');
      },
    );

    busy(`stops a busy cell within ${busyStopMs} ms of its deadline without stalling the host`, async () => {
      const { run } = await open();
      const started = performance.now();
      const { result, maxLagMs } = await measureEventLoopLag(() =>
        run("await llm_query('first');\nfor (;;) {}", { timeoutMs: 500 }),
      );
      expect(result.error?.kind).toBe('timeout');
      expect(performance.now() - started).toBeLessThan(500 + busyStopMs);
      expect(maxLagMs, "the host's event-loop lag during the busy cell, in ms").toBeLessThan(
        maxEventLoopLagMs,
      );
    });

    it('disposes a session and its environment leaving nothing that keeps the host alive', async () => {
      const before = liveResources();
      const environment = await factory();
      const session = await environment.createSession({ context: 'x', hostFunctions: {} });
      expect((await session.runCell('1 + 1')).value).toBe('2');
      await session.dispose();
      await environment.dispose?.();
      // Let closed handles leave the loop.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = liveResources();
      for (const kind of LIVE_RESOURCE_KINDS) {
        expect(after[kind] ?? 0, `${kind} handles left behind`).toBeLessThanOrEqual(before[kind] ?? 0);
      }
      // Disposing released only what it kept: a new session starts again.
      const again = await environment.createSession({ context: 'y', hostFunctions: {} });
      try {
        expect((await again.runCell('context')).value).toBe('"y"');
      } finally {
        await again.dispose();
        await environment.dispose?.();
      }
    });
  });
}

import { describe, expect, it } from 'vitest';
import type { HostFunction } from '../environment/repl-environment';
import type { ConformanceSession, OpenSessionOptions } from './test-environment-session';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checks host calls a cell started and did not await before it ended: the host's signal for each is
 * aborted (so the host stops paying for it), a late result reaches no one, and a later cell that
 * awaits the call is told it was dropped.
 */
export function describeDroppedCallConformance(
  open: (options?: OpenSessionOptions) => Promise<ConformanceSession>,
  stopGraceMs: number,
): void {
  /** Opens a session whose `never` settles when the test says so, recording each call's signal. */
  async function openWithReleasableCalls() {
    const signals: AbortSignal[] = [];
    const releases: ((value: string) => void)[] = [];
    const releasable: HostFunction = (_args, { signal }) => {
      signals.push(signal);
      return new Promise((resolve) => {
        releases.push(resolve);
      });
    };
    const opened = await open({
      wrapHostFunction: (name, hostFunction) => (name === 'never' ? releasable : hostFunction),
    });
    return {
      ...opened,
      signals,
      releaseAll: (value: string) => {
        for (const release of releases) release(value);
      },
    };
  }

  describe('dropped host calls', () => {
    it('abort the signal of a call its cell dropped, so the host can stop paying for it', async () => {
      const { run, ok, host } = await open();
      await ok("globalThis.unawaited = never('dropped'); 'moved on'");
      const timedOut = await run("await never('timed out');", { timeoutMs: 200 });
      expect(timedOut.error?.kind).toBe('timeout');
      const deadline = performance.now() + stopGraceMs;
      while (host.neverSignals.some((signal) => !signal.aborted) && performance.now() < deadline) {
        await sleep(10);
      }
      expect(host.neverSignals.map((signal) => signal.aborted)).toEqual([true, true]);
    });

    it('abort the signal of a call the cell moved on from by the time the cell’s result arrives', async () => {
      const { ok, signals } = await openWithReleasableCalls();
      const first = await ok("globalThis.pending = never('x');\n'started'");
      expect(first.value).toBe('"started"');
      expect(signals.map((signal) => signal.aborted)).toEqual([true]);
    });

    it('tell a later cell that awaits a dropped call that it was still running when its cell ended, and go on', async () => {
      const { ok, releaseAll } = await openWithReleasableCalls();
      await ok("globalThis.pending = never('x');\n'started'");
      releaseAll('too late');
      await sleep(10);
      const second = await ok('try { await pending; } catch (error) { console.log(error.message); }');
      expect(second.stdout).toMatch(/still running when its cell ended/);
      expect((await ok("await llm_query('next')")).value).toBe('"answer:next"');
    });
  });
}

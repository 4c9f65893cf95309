import { describe, expect, it } from 'vitest';
import type { ConformanceSession, OpenSessionOptions } from './test-environment-session';

/**
 * Checks the session's queue: cells run one at a time, in the order `runCell` was called, whatever
 * the cells before them did (awaited host calls, threw, ran out of time).
 */
export function describeCellOrderConformance(
  open: (options?: OpenSessionOptions) => Promise<ConformanceSession>,
): void {
  describe('cell order', () => {
    it('runs cells one at a time, in the order they were given', async () => {
      const { session } = await open({ latencyMs: 30 });
      const finished: number[] = [];
      const cells = [
        "await llm_query('slow'); globalThis.order = [1];",
        'globalThis.order.push(2);',
        "await llm_query('slow'); globalThis.order.push(3);",
        'order.join(",")',
      ].map((code, index) =>
        session.runCell(code).then((result) => {
          finished.push(index + 1);
          return result;
        }),
      );
      const results = await Promise.all(cells);
      for (const result of results) expect(result.error).toBeUndefined();
      expect(results[3]?.value).toBe('"1,2,3"');
      expect(finished).toEqual([1, 2, 3, 4]);
    });

    it('runs a cell queued behind one that throws or times out, after it, with the state it left', async () => {
      const { session } = await open();
      const cells = [
        "globalThis.seen = ['first'];",
        "seen.push('thrower'); await llm_query('x'); throw new Error('planned');",
        "seen.push('waiter'); await never('x');",
        'seen.join(",")',
      ].map((code, index) => session.runCell(code, index === 2 ? { timeoutMs: 200 } : {}));
      const [first, thrower, waiter, last] = await Promise.all(cells);
      expect(first?.error).toBeUndefined();
      expect(thrower?.error).toMatchObject({ kind: 'runtime', message: 'planned' });
      expect(waiter?.error?.kind).toBe('timeout');
      expect(waiter?.stateLost).toBeUndefined();
      expect(last?.error).toBeUndefined();
      expect(last?.value).toBe('"first,thrower,waiter"');
    });
  });
}

import { describe, expect, it } from 'vitest';
import { APICallError, RateLimitError } from '../errors/api-call-error';
import { ConcurrencyLimiter } from './concurrency-limiter';
import {
  ConcurrencyWindow,
  type ConcurrencyWindowChange,
  type ConcurrencyWindowSettings,
} from './concurrency-window';
import { ModelCallSlot } from './model-call-slot';

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A window under load: `queue(n)` puts n calls in its limiter's queue; `round()` ends every call in
 * flight with a success (reported while it still holds its slot, as a model call does), then lets
 * the limiter start the next ones. Records every change and the most calls in flight.
 */
function underLoad(settings: ConcurrencyWindowSettings) {
  const window = new ConcurrencyWindow(settings);
  const changes: ConcurrencyWindowChange[] = [];
  window.subscribe((change) => changes.push(change));
  const inFlight: Array<{ generation: number; end: () => void }> = [];
  let peak = 0;
  return {
    window,
    changes,
    get peak() {
      return peak;
    },
    get inFlight() {
      return inFlight;
    },
    queue(count: number) {
      for (let index = 0; index < count; index++) {
        void window.limiter.run(
          () =>
            new Promise<void>((resolve) => {
              inFlight.push({ generation: window.generation, end: resolve });
              peak = Math.max(peak, window.limiter.running);
            }),
        );
      }
    },
    async round(latencyMs = 10, clean = true) {
      for (const call of inFlight.splice(0)) {
        window.recordSuccess(latencyMs, clean, call.generation);
        call.end();
      }
      for (let tick = 0; tick < 3; tick++) await nextMacrotask();
    },
  };
}

const rateLimit = (retryAfterMs?: number) =>
  new RateLimitError({
    provider: 'test',
    message: 'slow down',
    statusCode: 429,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('ConcurrencyWindow: growth', () => {
  it.each([
    [1, 64],
    [16, 64],
    [3, 50],
    [5, 7],
    [16, 16],
    [1, 1],
  ])('initial %i, max %i: grows by one per success, doubling per window of successes (slow start), up to the cap, never above it', async (initial, max) => {
    const load = underLoad({ initial, max, adaptive: true });
    load.queue(5_000);
    await nextMacrotask();
    const sizes = [load.window.size];
    for (let round = 0; round < 12; round++) {
      expect(load.inFlight.length).toBe(load.window.size);
      await load.round();
      sizes.push(load.window.size);
    }
    let expected = initial;
    const expectedSizes = [initial];
    for (let round = 0; round < 12; round++) {
      expected = Math.min(expected * 2, max);
      expectedSizes.push(expected);
    }
    expect(sizes).toEqual(expectedSizes);
    expect(load.peak).toBe(max);
    expect(load.changes.every((change) => change.reason === 'slow-start' && change.window <= max)).toBe(true);
    // One change per success that grew it: every size from initial + 1 to the cap, in order.
    expect(load.changes.map((change) => change.window)).toEqual(
      Array.from({ length: max - initial }, (_, index) => initial + 1 + index),
    );
    expect(load.changes.every((change) => change.previousWindow === change.window - 1)).toBe(true);
  });

  it('after a cut: halves once per window, then grows by one per window of successes, never below 1', async () => {
    const load = underLoad({ initial: 16, max: 64, adaptive: true });
    load.queue(5_000);
    await nextMacrotask();
    await load.round();
    expect(load.window.size).toBe(32);
    // Ten calls sent under the window of 32 are rate-limited: one cut, not ten.
    const sentBefore = load.inFlight.slice(0, 10);
    for (const call of sentBefore) load.window.recordOverload(rateLimit(), call.generation);
    expect(load.window.size).toBe(16);
    expect(load.changes.at(-1)).toMatchObject({ reason: 'rate-limited', window: 16, previousWindow: 32 });
    // The 32 sent before the cut end without growing it (they were sent under the old window), and
    // 16 start in their place.
    await load.round();
    expect([load.window.size, load.inFlight.length]).toEqual([16, 16]);
    const sizes: number[] = [];
    for (let round = 0; round < 5; round++) {
      await load.round();
      sizes.push(load.window.size);
    }
    // Additive: one more per window of successes (each round is one window).
    expect(sizes).toEqual([17, 18, 19, 20, 21]);
    expect(load.changes.filter((change) => change.reason === 'additive').length).toBeGreaterThanOrEqual(5);
    // A call sent after the cut (a new generation) cuts again; an overload (503, 529) too.
    const sizesAfterCuts: number[] = [];
    for (const error of [
      rateLimit(),
      new APICallError({ provider: 'test', message: 'overloaded', statusCode: 529 }),
      new APICallError({ provider: 'test', message: 'unavailable', statusCode: 503 }),
      rateLimit(),
      rateLimit(),
      rateLimit(),
      rateLimit(),
    ]) {
      load.window.recordOverload(error, load.window.generation);
      sizesAfterCuts.push(load.window.size);
    }
    expect(sizesAfterCuts).toEqual([10, 5, 2, 1, 1, 1, 1]);
    expect(load.changes.filter((change) => change.reason === 'overloaded')).toHaveLength(2);
    expect(load.changes.at(-1)?.window).toBe(1);
    // The calls sent before the cuts end without growing it; then it grows back from 1, additively
    // (the cut ended slow start).
    await load.round();
    expect(load.window.size).toBe(1);
    for (let round = 0; round < 4; round++) await load.round();
    expect(load.window.size).toBe(5);
    expect(load.peak).toBeLessThanOrEqual(64);
  });

  it('only successes that the window held back, that needed no retry and whose latency held count toward growth', async () => {
    const load = underLoad({ initial: 4, max: 64, adaptive: true });
    load.queue(4);
    await nextMacrotask();
    // Nothing queued and the window full: the first success counts (4 → 5); then the window is more
    // than the 4 calls need, so the others do not.
    await load.round(10);
    expect(load.window.size).toBe(5);
    // Now only 4 calls: the window (5) is not what holds them back, so no growth, however many.
    for (let round = 0; round < 5; round++) {
      load.queue(4);
      await nextMacrotask();
      await load.round(10);
    }
    expect(load.window.size).toBe(5);
    load.queue(1_000);
    await nextMacrotask();
    // Retried calls do not count.
    await load.round(10, false);
    expect(load.window.size).toBe(5);
    // Calls over twice the recent average latency do not count: the first four of this round; the
    // average follows them (10 → 208 → 366 → 493 → 594 ms), so the fifth, within twice it, does.
    await load.round(1_000);
    expect(load.window.size).toBe(6);
    // Latency held again: every success counts, one each.
    await load.round(12);
    expect(load.window.size).toBe(12);
  });

  it('a fixed window never changes, whatever the calls do', async () => {
    const load = underLoad({ initial: 6, max: 6, adaptive: false });
    load.queue(500);
    await nextMacrotask();
    for (let round = 0; round < 10; round++) {
      expect(load.inFlight.length).toBe(6);
      await load.round();
    }
    load.window.recordOverload(rateLimit(), load.window.generation);
    load.window.recordOverload(new APICallError({ provider: 'test', message: 'x', statusCode: 529 }), 0);
    await load.round();
    expect(load.window.size).toBe(6);
    expect(load.peak).toBe(6);
    expect(load.changes).toEqual([]);
  });
});

describe('ConcurrencyWindow: Retry-After', () => {
  it.each([
    ['adaptive', true],
    ['fixed', false],
  ])('%s: no call starts before the wait a 429 asked for has passed; calls in flight go on', async (_, adaptive) => {
    const load = underLoad({ initial: 4, max: 4, adaptive });
    load.queue(3);
    await nextMacrotask();
    const reportedAt = Date.now();
    load.window.recordOverload(rateLimit(120), load.window.generation);
    expect(load.changes.find((change) => change.reason === 'retry-after')).toMatchObject({
      pausedForMs: 120,
    });
    const startedAt: number[] = [];
    const later = Array.from({ length: 5 }, () =>
      load.window.limiter.run(async () => {
        startedAt.push(Date.now());
      }),
    );
    // The three in flight end; their slots free, still nothing starts within the wait.
    await load.round();
    expect(startedAt).toEqual([]);
    await Promise.all(later);
    expect(startedAt).toHaveLength(5);
    // Timers never fire early; 2 ms for the clock's rounding.
    for (const time of startedAt) expect(time).toBeGreaterThanOrEqual(reportedAt + 120 - 2);
  });

  it('only rate limits and overloads pause or cut: a 500 asking to retry later does not', async () => {
    const load = underLoad({ initial: 8, max: 8, adaptive: true });
    load.window.recordOverload(
      new APICallError({ provider: 'test', message: 'boom', statusCode: 500, retryAfterMs: 5_000 }),
      0,
    );
    load.window.recordOverload(new Error('plain'), 0);
    load.queue(1);
    await nextMacrotask();
    expect(load.inFlight).toHaveLength(1);
    expect(load.window.size).toBe(8);
    expect(load.changes).toEqual([]);
  });
});

describe('ModelCallSlot', () => {
  it('a call that got its window slot before a pause and its tree slot during it waits for the pause to end', async () => {
    const window = new ConcurrencyWindow({ initial: 4, max: 4, adaptive: true });
    const tree = new ConcurrencyLimiter(1);
    await tree.acquire(); // the tree's one slot is busy (e.g. a sandbox being created)
    const slot = new ModelCallSlot(window, tree);
    let heldAt = 0;
    const holding = slot.hold().then(() => {
      heldAt = Date.now();
    });
    await nextMacrotask();
    expect(window.limiter.running).toBe(1); // its window slot, waiting for the tree's
    const pausedAt = Date.now();
    window.recordOverload(rateLimit(80), window.generation);
    tree.release();
    await holding;
    expect(heldAt).toBeGreaterThanOrEqual(pausedAt + 80 - 2);
    expect(slot.isHeld).toBe(true);
    slot.close();
    expect([window.limiter.running, tree.running]).toEqual([0, 0]);
  });
});

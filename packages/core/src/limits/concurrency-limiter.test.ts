import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit and runs everything', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          return index;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(limiter.running).toBe(0);
  });

  it('frees the slot when a task throws, and drops waiters whose signal aborts', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('task failed')))).rejects.toThrow(
      'task failed',
    );
    let release!: () => void;
    const holder = limiter.run(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const controller = new AbortController();
    const waiter = limiter.run(async () => 'ran', controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiter).rejects.toThrow('gave up');
    release();
    await holder;
    expect(await limiter.run(async () => 'next')).toBe('next');
  });
});

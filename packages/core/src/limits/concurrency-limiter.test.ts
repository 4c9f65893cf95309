import { getEventListeners } from 'node:events';
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

describe('ConcurrencyLimiter at scale (issue 9, finding 3)', () => {
  it('queues 50k tasks on one signal in linear time, with one abort listener and no warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    /** Best of 3 (the machine is shared): the time to queue `count` tasks, and the signal's listeners then. */
    const schedule = async (count: number) => {
      let best = Number.POSITIVE_INFINITY;
      let listeners = 0;
      for (let round = 0; round < 3; round++) {
        const limiter = new ConcurrencyLimiter(16);
        const controller = new AbortController();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const started = performance.now();
        const tasks = Array.from({ length: count }, () => limiter.run(() => gate, controller.signal));
        best = Math.min(best, performance.now() - started);
        expect(limiter.waiting).toBe(count - 16);
        listeners = getEventListeners(controller.signal, 'abort').length;
        release();
        await Promise.all(tasks);
        expect(limiter.running).toBe(0);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      }
      return { best, listeners };
    };
    const small = await schedule(5_000);
    const large = await schedule(50_000);
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('warning', onWarning);
    expect(large.listeners).toBe(1);
    // Linear: 10x the tasks take about 10x the time (quadratic would be 100x). The old limiter took
    // seconds here; on an idle machine this takes ~20 ms.
    expect(large.best).toBeLessThan(Math.max(20 * small.best, 50));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('drops every waiter of an aborted signal at once and keeps the others in order; higher priority goes first', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire();
    const order: string[] = [];
    const doomed = new AbortController();
    const waits = [
      limiter.run(async () => order.push('a'), doomed.signal),
      limiter.run(async () => order.push('b')),
      limiter.run(async () => order.push('c'), doomed.signal),
      limiter.run(async () => order.push('urgent'), undefined, 5),
    ];
    doomed.abort(new Error('dropped'));
    limiter.release();
    const outcomes = await Promise.allSettled(waits);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(order).toEqual(['urgent', 'b']);
    expect(limiter.waiting).toBe(0);
    expect(limiter.running).toBe(0);
  });
});

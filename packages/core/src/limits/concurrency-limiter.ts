/**
 * Runs at most `limit` tasks at once; the rest wait in order. One limiter serves a whole run tree so
 * that `llm_query_batched` over thousands of chunks, and children doing the same, never exceed the
 * provider's rate limits (the reference caps at 16).
 *
 * Only leaf work (a model call) holds a slot, never a task that waits on other tasks, so nested
 * runs cannot deadlock.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** How many tasks hold a slot now. */
  get running(): number {
    return this.active;
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const position = this.waiting.indexOf(grant);
        if (position !== -1) this.waiting.splice(position, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

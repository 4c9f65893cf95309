import { type ConcurrencyLimiter, LimiterSlot } from './concurrency-limiter';
import type { ConcurrencyWindow } from './concurrency-window';
import type { CallSlot } from './retry-slots';

/**
 * What one model call holds while in flight: a slot of its model's concurrency window (shared by
 * every run calling that model) and one of the run tree's limiter (model calls and sandbox creations
 * of the tree, under the hard cap). Taken in that order, always: a call holding a tree slot never
 * waits for a window slot, so the two cannot deadlock. It reports back to the window how the call
 * went: a success and its latency, a rate limit or overload (also the ones the provider retries).
 */
export class ModelCallSlot implements CallSlot {
  private readonly windowSlot: LimiterSlot;
  private readonly treeSlot: LimiterSlot;
  /** The window's generation when the slot was last taken (see `ConcurrencyWindow.recordOverload`). */
  private generation = 0;
  private heldSince = 0;
  private retried = false;

  constructor(
    private readonly window: ConcurrencyWindow,
    treeLimiter: ConcurrencyLimiter,
    readonly priority = 0,
  ) {
    this.windowSlot = new LimiterSlot(window.limiter, priority);
    this.treeSlot = new LimiterSlot(treeLimiter, priority);
  }

  get isHeld(): boolean {
    return this.windowSlot.isHeld && this.treeSlot.isHeld;
  }

  async hold(signal?: AbortSignal, priority = this.priority): Promise<void> {
    for (;;) {
      await this.windowSlot.hold(signal, priority);
      await this.treeSlot.hold(signal, priority);
      if (!this.window.limiter.paused) break;
      // The model was paused (a Retry-After) while this call waited for the tree's slot: no call of
      // the model starts before the pause ends, so both go back and the call queues again.
      this.release();
    }
    this.generation = this.window.generation;
    this.heldSince = performance.now();
  }

  release(): void {
    this.treeSlot.release();
    this.windowSlot.release();
  }

  /** Gives both slots back for good. */
  close(): void {
    this.treeSlot.close();
    this.windowSlot.close();
  }

  reportRetriedFailure(error: unknown): void {
    this.retried = true;
    this.window.recordOverload(error, this.generation);
  }

  /** The call answered (call before {@link close}, while the slot still counts as in flight). */
  succeeded(): void {
    this.window.recordSuccess(performance.now() - this.heldSince, !this.retried, this.generation);
  }

  /** The call failed for good with `error`. */
  failed(error: unknown): void {
    this.window.recordOverload(error, this.generation);
  }
}

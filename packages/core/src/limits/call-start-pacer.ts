import { FifoQueue } from '../util/fifo-queue';
import { nextMacrotask } from '../util/next-macrotask';

/**
 * Lets model calls that are ready to send in the same macrotask begin one per macrotask, in the
 * order they asked; a call alone in its macrotask begins at once.
 *
 * Why: a provider SDK builds a request through a chain of awaits. Begun together, a burst of calls
 * (the 64 sub-calls a batch starts at once) advances through those chains in lockstep, since their
 * microtasks interleave, so not one request is written to the network before all are built: the
 * first request of a burst left ~17 ms after the burst began (2-core VM, warm), and with it every
 * answer that frees a slot for the next wave. One per macrotask, each call's chain runs to its
 * write before the next begins, at the cost of a `setImmediate` per call of a burst; the answers
 * that come back meanwhile are read between them.
 */
export class CallStartPacer {
  /** A call began in the current macrotask. */
  private begunThisTick = false;
  private readonly waiting = new FifoQueue<() => void>();
  private scheduled = false;

  /**
   * `undefined` when the call may begin now; else a promise that resolves in the macrotask that is
   * its turn (one call per macrotask, first come first served).
   */
  turn(): Promise<void> | undefined {
    if (!this.begunThisTick && this.waiting.length === 0) {
      this.begunThisTick = true;
      this.schedule();
      return undefined;
    }
    const turn = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.schedule();
    return turn;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    nextMacrotask(this.nextTick);
  }

  private readonly nextTick = (): void => {
    this.scheduled = false;
    this.begunThisTick = false;
    const next = this.waiting.shift();
    if (next === undefined) return;
    this.begunThisTick = true;
    this.schedule();
    next();
  };
}

/**
 * The pacer of every model call of the process: the thread that builds and writes requests is one,
 * whichever runs the calls belong to.
 */
export const callStartPacer = new CallStartPacer();

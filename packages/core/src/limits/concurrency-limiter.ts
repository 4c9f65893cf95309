import { FifoQueue } from '../util/fifo-queue';
import { nextMacrotask } from '../util/next-macrotask';

/** A task waiting for a slot. */
interface Waiter {
  readonly signal: AbortSignal | undefined;
  /** Granted or dropped: a queue entry that is done is skipped. */
  done: boolean;
  grant(limiter: ConcurrencyLimiter): void;
  reject(reason: unknown): void;
}

/*
 * A queued task is one promise and one small record, with no closure made for it: closures per task
 * were most of the cost of queueing 50k tasks (and each one's allocation, of the GC's).
 */
let capturedResolve: ((value: never) => void) | undefined;
let capturedReject: ((reason: unknown) => void) | undefined;
function capture(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** Waits for a slot, then runs its task in it. */
class TaskWaiter<T> implements Waiter {
  done = false;
  readonly promise: Promise<T>;
  private readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;

  constructor(
    private readonly task: () => Promise<T>,
    readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<T>(capture as never);
    this.resolve = capturedResolve as (value: T) => void;
    this.reject = capturedReject!;
  }

  grant(limiter: ConcurrencyLimiter): void {
    limiter.startTask(this.task).then(this.resolve, this.reject);
  }
}

/** Waits for a slot and keeps it (`acquire`). */
class SlotWaiter implements Waiter {
  done = false;
  readonly promise: Promise<void>;
  private readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;

  constructor(readonly signal: AbortSignal | undefined) {
    this.promise = new Promise<void>(capture as never);
    this.resolve = capturedResolve as () => void;
    this.reject = capturedReject!;
  }

  grant(): void {
    this.resolve();
  }
}

/** Slots handed out within one macrotask before the limiter lets the event loop run. */
const GRANTS_PER_TICK = 64;

/** The highest priority a task can ask for; higher runs first. */
export const MAX_PRIORITY = 16;

/**
 * Runs at most `limit` tasks at once; the rest wait in order. One limiter serves a whole run tree:
 * every model call (root, child root, sub-call) and every sandbox creation takes a slot, so that
 * `llm_query_batched` over thousands of chunks, and children doing the same, never exceed the
 * provider's rate limits (the reference caps at 16).
 *
 * Waiting is O(1) per task: one FIFO queue per priority (a handful: the loop uses the run depth, so
 * deeper work, which finishes what was started, goes first) and one abort listener per signal, not
 * per task, however many tasks wait on it. Only leaf work (a model call, creating a sandbox) holds a
 * slot, never a task that waits on other tasks, so nested runs cannot deadlock.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private queued = 0;
  private readonly queues: Array<FifoQueue<Waiter> | undefined> = [];
  private top = -1;
  private grantsThisTick = 0;
  private tickPending = false;
  private readonly bySignal = new Map<AbortSignal, { count: number; onAbort: () => void }>();
  private limitNow: number;
  /** `Date.now()` before which no slot is granted (a server's `Retry-After`); 0 when not paused. */
  private pausedUntil = 0;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(limit: number) {
    this.limitNow = limit;
  }

  /** How many tasks may hold a slot at once. */
  get limit(): number {
    return this.limitNow;
  }

  /**
   * Changes how many tasks may hold a slot at once. Raising it grants queued tasks at once; lowering
   * it takes no slot back: tasks in flight finish, and the next ones wait until fewer run.
   */
  setLimit(limit: number): void {
    this.limitNow = Math.max(1, Math.floor(limit));
    this.drain();
  }

  /**
   * Grants no slot before `until` (a `Date.now()` time); tasks in flight go on. A later pause extends
   * it. Returns whether this started a pause (none was under way).
   */
  pauseUntil(until: number): boolean {
    const now = Date.now();
    if (until <= this.pausedUntil || until <= now) return false;
    const started = this.pausedUntil <= now;
    this.pausedUntil = until;
    if (this.pauseTimer !== undefined) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = undefined;
      this.pausedUntil = 0;
      this.drain();
    }, until - Date.now());
    // Only queued tasks need the timer: an idle pause must not keep the process alive.
    if (this.queued === 0) this.pauseTimer.unref?.();
    return started;
  }

  /** Whether a pause ({@link pauseUntil}) holds new tasks back now. */
  get paused(): boolean {
    return this.pausedUntil !== 0 && Date.now() < this.pausedUntil;
  }

  /** Whether a slot could be granted now without queueing. */
  private canGrant(): boolean {
    if (this.active >= this.limitNow) return false;
    if (this.pausedUntil === 0) return true;
    if (Date.now() < this.pausedUntil) return false;
    this.pausedUntil = 0;
    return true;
  }

  /** Runs `task` in a slot. `priority` (0 to {@link MAX_PRIORITY}, default 0): higher waits less. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal, priority = 0): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queued === 0 && this.canGrant()) {
      this.active++;
      return this.startTask(task);
    }
    const waiter = new TaskWaiter(task, signal);
    this.enqueue(waiter, priority);
    return waiter.promise;
  }

  /** How many tasks hold a slot now. */
  get running(): number {
    return this.active;
  }

  /** How many tasks wait for a slot now. */
  get waiting(): number {
    return this.queued;
  }

  /** Takes a slot (waiting for one); give it back with {@link release}. Rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal, priority = 0): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queued === 0 && this.canGrant()) {
      this.active++;
      return Promise.resolve();
    }
    const waiter = new SlotWaiter(signal);
    this.enqueue(waiter, priority);
    return waiter.promise;
  }

  /** Runs `task` in a slot already taken, and gives the slot back when it settles. @internal */
  startTask<T>(task: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      this.release();
      return Promise.reject(error);
    }
    return running.then(
      (value) => {
        this.release();
        return value;
      },
      (error: unknown) => {
        this.release();
        throw error;
      },
    );
  }

  private enqueue(waiter: Waiter, priority: number): void {
    const level = priority > 0 ? Math.min(MAX_PRIORITY, Math.floor(priority)) : 0;
    let queue = this.queues[level];
    if (!queue) {
      queue = new FifoQueue();
      this.queues[level] = queue;
    }
    queue.push(waiter);
    this.queued++;
    this.pauseTimer?.ref?.();
    if (level > this.top) this.top = level;
    if (waiter.signal) this.watch(waiter.signal);
  }

  /** Gives a slot back and hands it to the next waiting task, if any. */
  release(): void {
    this.active--;
    this.drain();
  }

  /**
   * Hands free slots to waiting tasks. Tasks that end at once (a cached or scripted answer) would
   * start the next ones in one long chain of microtasks that never lets the event loop run; after
   * {@link GRANTS_PER_TICK} grants the rest wait for the next macrotask.
   */
  private drain(): void {
    while (this.queued > 0 && this.canGrant()) {
      if (this.grantsThisTick >= GRANTS_PER_TICK) {
        this.scheduleTick();
        return;
      }
      const waiter = this.next();
      if (!waiter) break;
      this.active++;
      if (this.grantsThisTick++ === 0) {
        this.scheduleTick();
      }
      waiter.grant(this);
    }
  }

  private scheduleTick(): void {
    if (this.tickPending) return;
    this.tickPending = true;
    nextMacrotask(() => {
      this.tickPending = false;
      this.grantsThisTick = 0;
      this.drain();
    });
  }

  private next(): Waiter | undefined {
    for (let level = this.top; level >= 0; level--) {
      const queue = this.queues[level];
      if (!queue) continue;
      for (let waiter = queue.shift(); waiter; waiter = queue.shift()) {
        if (waiter.done) continue;
        waiter.done = true;
        this.queued--;
        if (waiter.signal) this.unwatch(waiter.signal);
        return waiter;
      }
      if (level === this.top) this.top--;
    }
    return undefined;
  }

  /**
   * One abort listener per signal, however many tasks wait on it: on abort it drops them all in one
   * pass over the queues (each task is visited once, when its signal aborts).
   */
  private watch(signal: AbortSignal): void {
    const entry = this.bySignal.get(signal);
    if (entry) {
      entry.count++;
      return;
    }
    const onAbort = () => {
      this.bySignal.delete(signal);
      for (const queue of this.queues) {
        queue?.forEach((waiter) => {
          if (waiter.done || waiter.signal !== signal) return;
          waiter.done = true;
          this.queued--;
          waiter.reject(signal.reason);
        });
      }
      if (this.queued === 0) this.pauseTimer?.unref?.();
    };
    this.bySignal.set(signal, { count: 1, onAbort });
    signal.addEventListener('abort', onAbort, { once: true });
  }

  private unwatch(signal: AbortSignal): void {
    const entry = this.bySignal.get(signal);
    if (!entry) return;
    entry.count--;
    if (entry.count === 0) {
      this.bySignal.delete(signal);
      signal.removeEventListener('abort', entry.onAbort);
    }
  }
}

/**
 * A slot of a limiter held by one piece of work, which can give it back for a while (a retry's
 * backoff) and take it again. Releasing or closing twice is harmless.
 */
export class LimiterSlot {
  private held = false;
  private closed = false;

  constructor(
    private readonly limiter: ConcurrencyLimiter,
    readonly priority = 0,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Takes the slot (waits for one). `priority` defaults to this slot's. */
  async hold(signal?: AbortSignal, priority = this.priority): Promise<void> {
    if (this.held || this.closed) return;
    await this.limiter.acquire(signal, priority);
    if (this.closed) this.limiter.release();
    else this.held = true;
  }

  /** Gives the slot back until the next {@link hold}. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.limiter.release();
  }

  /** Gives the slot back for good. */
  close(): void {
    this.release();
    this.closed = true;
  }
}

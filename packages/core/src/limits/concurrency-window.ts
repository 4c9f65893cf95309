import { APICallError, RateLimitError } from '../errors/api-call-error';
import { ConcurrencyLimiter } from './concurrency-limiter';

/** How a model's concurrency window is set: where it starts, its hard cap, and whether it adapts. */
export interface ConcurrencyWindowSettings {
  /** The window to start at. */
  readonly initial: number;
  /** The hard cap: the window never grows above it. */
  readonly max: number;
  /** Grow on success and shrink on rate limits; `false` holds the window at `initial`. */
  readonly adaptive: boolean;
}

/** Why a window changed: its first report, growth (slow start, additive), a cut, or a `Retry-After` pause. */
export type ConcurrencyChangeReason =
  | 'initial'
  | 'slow-start'
  | 'additive'
  | 'rate-limited'
  | 'overloaded'
  | 'retry-after';

/** One change of a window, as its listeners receive it. */
export interface ConcurrencyWindowChange {
  readonly window: number;
  readonly previousWindow: number;
  readonly maxWindow: number;
  readonly adaptive: boolean;
  readonly reason: ConcurrencyChangeReason;
  /** Calls of the model in flight now, across every run sharing the window. */
  readonly running: number;
  /** Calls of the model waiting for a slot now. */
  readonly queued: number;
  /** For `retry-after`: how long from now no new call of the model starts. */
  readonly pausedForMs?: number;
}

/** A success slower than this many times the model's recent average latency does not grow the window. */
const LATENCY_GROWTH_FACTOR = 2;
/** Weight of the newest latency in the running average. */
const LATENCY_AVERAGE_WEIGHT = 0.2;

/** 429, and the statuses providers use for "overloaded" (503, Anthropic's 529). */
export function overloadKind(error: unknown): 'rate-limited' | 'overloaded' | undefined {
  if (RateLimitError.isInstance(error)) return 'rate-limited';
  if (!APICallError.isInstance(error)) return undefined;
  if (error.statusCode === 429) return 'rate-limited';
  return error.statusCode === 503 || error.statusCode === 529 ? 'overloaded' : undefined;
}

/**
 * How many calls of one model may be in flight at once, adapted to what the provider takes, the way
 * TCP finds a link's capacity. It starts at `initial`; while calls succeed with the window full and
 * their latency holds, it grows by one per success — doubling per window of successes — (slow
 * start) until the first cut, then by one per window of successes (additive increase), never above
 * `max`. A 429 or an overload
 * (503, 529) halves it (once per window: calls sent before a cut do not cut again), and a
 * `Retry-After` holds every new call of the model until it has passed. Fixed windows only honour
 * `Retry-After`.
 *
 * Its {@link limiter} queues the model's calls (priorities, abort) and is shared by every run tree
 * that uses the same model object with the same settings (see concurrency-window-registry).
 */
export class ConcurrencyWindow {
  readonly limiter: ConcurrencyLimiter;
  /** Below this the window grows by slow start; set to the window at each cut. */
  private slowStartUntil: number;
  private successes = 0;
  private cuts = 0;
  private averageLatencyMs: number | undefined;
  private readonly listeners = new Set<(change: ConcurrencyWindowChange) => void>();

  constructor(readonly settings: ConcurrencyWindowSettings) {
    this.limiter = new ConcurrencyLimiter(settings.initial);
    this.slowStartUntil = settings.max;
  }

  /** Calls allowed in flight at once now. */
  get size(): number {
    return this.limiter.limit;
  }

  /** How many cuts happened so far: a call remembers it when it takes its slot (see {@link recordOverload}). */
  get generation(): number {
    return this.cuts;
  }

  /** Receives every change; returns the function that stops it. */
  subscribe(listener: (change: ConcurrencyWindowChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The window as it is now, as a change of reason `initial` (for a new listener). */
  describe(): ConcurrencyWindowChange {
    return this.change('initial', this.size);
  }

  /**
   * A call that took its slot at `generation` answered after `latencyMs` in its slot. `clean`: it
   * needed no retry. Called while the call still holds its slot. Counts toward growth only when the
   * call was sent under the current window (not before the last cut), the window was what held calls
   * back (full, or calls queued), and the latency held.
   */
  recordSuccess(latencyMs: number, clean: boolean, generation: number): void {
    if (!this.settings.adaptive) return;
    const average = this.averageLatencyMs;
    this.averageLatencyMs =
      average === undefined ? latencyMs : average + LATENCY_AVERAGE_WEIGHT * (latencyMs - average);
    if (!clean || generation < this.cuts) return;
    if (average !== undefined && latencyMs > LATENCY_GROWTH_FACTOR * average) return;
    const { limiter } = this;
    if (limiter.waiting === 0 && limiter.running < limiter.limit) return;
    const previous = limiter.limit;
    const slowStart = previous < this.slowStartUntil;
    // Slow start grows by one per success (as TCP's window grows per acknowledgement), which doubles
    // it per window of successes: a queued call starts as each answer comes back, instead of half a
    // window waiting for the last answer of the window (on 300 sub-calls at 100 ms, the first wave
    // of 64 began ~40 ms later that way). After a cut it grows by one per window of successes.
    if (!slowStart) {
      this.successes += 1;
      if (this.successes < previous) return;
      this.successes = 0;
    }
    const next = Math.min(
      this.settings.max,
      slowStart ? Math.min(previous + 1, this.slowStartUntil) : previous + 1,
    );
    if (next === previous) return;
    limiter.setLimit(next);
    this.emit(this.change(slowStart ? 'slow-start' : 'additive', previous));
  }

  /**
   * A call that took its slot at `generation` was rate-limited or found the provider overloaded
   * (`error`). A `Retry-After` on it pauses the model's new calls; the first such failure of calls
   * sent under the current window halves it.
   */
  recordOverload(error: unknown, generation: number): void {
    const kind = overloadKind(error);
    if (kind === undefined) return;
    const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
      if (this.limiter.pauseUntil(Date.now() + retryAfterMs))
        this.emit({ ...this.change('retry-after', this.size), pausedForMs: retryAfterMs });
    }
    if (!this.settings.adaptive || generation < this.cuts) return;
    this.cuts += 1;
    this.successes = 0;
    const previous = this.size;
    const next = Math.max(1, Math.floor(previous / 2));
    this.slowStartUntil = next;
    if (next === previous) return;
    this.limiter.setLimit(next);
    this.emit(this.change(kind, previous));
  }

  private change(reason: ConcurrencyChangeReason, previousWindow: number): ConcurrencyWindowChange {
    return {
      window: this.size,
      previousWindow,
      maxWindow: this.settings.max,
      adaptive: this.settings.adaptive,
      reason,
      running: this.limiter.running,
      queued: this.limiter.waiting,
    };
  }

  private emit(change: ConcurrencyWindowChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

import { MAX_PRIORITY } from './concurrency-limiter';

/** What a model call holds while in flight, as the provider's retry loop sees it. */
export interface CallSlot {
  readonly isHeld: boolean;
  /** Gives the slot back until the next {@link hold}. */
  release(): void;
  /** Takes the slot again (waits for one). */
  hold(signal?: AbortSignal, priority?: number): Promise<void>;
  /** A failure the provider is about to retry (a 429 and its `Retry-After` feed the model's concurrency window). */
  reportRetriedFailure?(error: unknown): void;
}

/**
 * The slot each model call holds, keyed by the abort signal the loop passed to that call (one signal
 * per call). Providers retry inside `doGenerate` with `retryWithBackoff`, which reports each failure
 * it retries here ({@link reportRetriedFailure}: a rate limit cuts the model's concurrency window
 * before the provider's own wait) and waits with `abortableSleep(delay, signal)`: that wait looks the
 * signal up here and gives the slot back while it sleeps, so a backoff never holds a slot another
 * call could use. Nothing changes for providers.
 */
const slotsBySignal = new WeakMap<AbortSignal, CallSlot>();

/** Lets waits on `signal` lend `slot` back to the limiter until they end. */
export function registerCallSlot(signal: AbortSignal, slot: CallSlot): void {
  slotsBySignal.set(signal, slot);
}

/** Tells the slot of the call `signal` belongs to, if any, that its provider will retry after `error`. */
export function reportRetriedFailure(signal: AbortSignal | undefined, error: unknown): void {
  if (signal) slotsBySignal.get(signal)?.reportRetriedFailure?.(error);
}

/**
 * Runs `wait` without the slot of the call `signal` belongs to, if any, and takes the slot back after
 * it, ahead of calls not yet started.
 */
export async function withoutCallSlot(
  signal: AbortSignal | undefined,
  wait: () => Promise<void>,
): Promise<void> {
  const slot = signal ? slotsBySignal.get(signal) : undefined;
  if (!slot?.isHeld) return wait();
  slot.release();
  try {
    await wait();
  } finally {
    await slot.hold(signal, MAX_PRIORITY);
  }
}

import { type LimiterSlot, MAX_PRIORITY } from './concurrency-limiter';

/**
 * The slot each model call holds, keyed by the abort signal the loop passed to that call (one signal
 * per call). Providers retry inside `doGenerate` with `retryWithBackoff`, which waits with
 * `abortableSleep(delay, signal)`: that wait looks the signal up here and gives the slot back while it
 * sleeps, so a backoff never holds a slot another call could use. Nothing changes for providers.
 */
const slotsBySignal = new WeakMap<AbortSignal, LimiterSlot>();

/** Lets waits on `signal` lend `slot` back to the limiter until they end. */
export function registerCallSlot(signal: AbortSignal, slot: LimiterSlot): void {
  slotsBySignal.set(signal, slot);
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

import { withoutCallSlot } from '../limits/retry-slots';

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. When `signal` is the
 * one the loop passed to a model call (a retry's backoff inside `doGenerate`), the call's concurrency
 * slot is given back for the wait and taken again after it, so waiting never holds a slot.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return withoutCallSlot(signal, () => abortableDelay(ms, signal));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. Holds whatever it holds. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

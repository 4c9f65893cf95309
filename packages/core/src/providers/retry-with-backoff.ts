import { RateLimitError } from '../errors/api-call-error';
import { RLMError } from '../errors/rlm-error';
import { reportRetriedFailure } from '../limits/retry-slots';
import { abortableSleep } from '../util/abortable-sleep';

/** Retries of failures other than rate limits, when not given. */
export const DEFAULT_MAX_RETRIES = 4;
/** Retries of rate limits (429), counted apart from other failures, when not given. */
export const DEFAULT_MAX_RATE_LIMIT_RETRIES = 10;

/** How a provider retries a failed call. */
export interface RetryOptions {
  /**
   * Retries after failures other than rate limits (5xx, timeouts, dropped connections, responses cut
   * or garbled on the way). Default 4. `0` turns retrying off altogether, rate limits included
   * (unless `maxRateLimitRetries` is given).
   */
  readonly maxRetries?: number;
  /**
   * Retries after rate limits (`RateLimitError`, a 429), counted apart from `maxRetries`: a server
   * that says "wait" is no sign that the call is broken, and under load most failures are these.
   * Default 10 (0 when `maxRetries` is 0).
   */
  readonly maxRateLimitRetries?: number;
  /** Delay before the first retry, in milliseconds; doubled each time. Default 500. */
  readonly initialDelayMs?: number;
  /** Cap on one delay, in milliseconds (a server's `Retry-After` may exceed it up to `maxRetryAfterMs`). Default 20,000. */
  readonly maxDelayMs?: number;
  /** The longest `Retry-After` honoured, in milliseconds; longer waits fail at once. Default 60,000. */
  readonly maxRetryAfterMs?: number;
  /** Stops the waiting and the next attempt at once. */
  readonly signal?: AbortSignal;
  /** Whether to retry this error. Default: `RLMError.isRetryable`. */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log or emit an event. */
  readonly onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
  /** The source of randomness for jitter (tests pass a fixed one). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Runs `attempt` and retries retryable failures with exponential backoff and full jitter, honouring
 * a server's `Retry-After` (`retryAfterMs` on the error; `0` means "now"). Rate limits and other
 * failures have their own retry counts (`maxRateLimitRetries`, `maxRetries`). An aborted signal stops
 * everything at once with the signal's reason. Provider-neutral: `@rlm/openai` and `@rlm/anthropic`
 * both use it, with their SDK's own retries turned off so that there is one policy.
 */
export async function retryWithBackoff<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const {
    maxRetries = DEFAULT_MAX_RETRIES,
    initialDelayMs = 500,
    maxDelayMs = 20_000,
    maxRetryAfterMs = 60_000,
    signal,
    shouldRetry = (error: unknown) => RLMError.isInstance(error) && error.isRetryable,
    onRetry,
    random = Math.random,
  } = options;
  const maxRateLimitRetries =
    options.maxRateLimitRetries ?? (maxRetries === 0 ? 0 : DEFAULT_MAX_RATE_LIMIT_RETRIES);
  let rateLimitRetries = 0;
  let otherRetries = 0;
  for (let attemptNumber = 0; ; attemptNumber++) {
    signal?.throwIfAborted();
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!shouldRetry(error)) throw error;
      if (RateLimitError.isInstance(error)) {
        if (rateLimitRetries >= maxRateLimitRetries) throw error;
        rateLimitRetries++;
      } else {
        if (otherRetries >= maxRetries) throw error;
        otherRetries++;
      }
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      let delayMs: number;
      if (typeof retryAfterMs === 'number' && retryAfterMs >= 0) {
        if (retryAfterMs > maxRetryAfterMs) throw error;
        delayMs = retryAfterMs;
      } else {
        // Full jitter: a random wait up to the exponential bound spreads out clients that failed together.
        delayMs = random() * Math.min(maxDelayMs, initialDelayMs * 2 ** attemptNumber);
      }
      // The loop's concurrency window of this model learns of the rate limit before the wait.
      reportRetriedFailure(signal, error);
      onRetry?.({ error, attempt: attemptNumber + 1, delayMs });
      await abortableSleep(delayMs, signal);
    }
  }
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms` headers → milliseconds, if present and valid. */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '' && Number.isFinite(Number(milliseconds))) {
    return Math.max(0, Number(milliseconds));
  }
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

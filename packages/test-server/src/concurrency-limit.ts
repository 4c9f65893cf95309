import { InvalidArgumentError } from '@rlm/core';

/**
 * (Addition) A provider's concurrency limit: a completion request that arrives while `max` others
 * are being answered gets a 429 at once (no latency), with `retry-after-ms: retryAfterMs` and
 * `Retry-After` in whole seconds, rounded up. Requests rejected this way are not counted as in flight.
 *
 * ```ts
 * startTestServer({ respond, latencyMs: 100, concurrencyLimit: { max: 24, retryAfterMs: 100 } });
 * ```
 */
export interface ConcurrencyLimit {
  /** Completion requests answered at once; one more is rejected with a 429. */
  readonly max: number;
  /** The wait the 429 asks for, in milliseconds. Default 1,000. */
  readonly retryAfterMs?: number;
}

/** Requests in flight under a {@link ConcurrencyLimit}, and what it did. */
export interface ConcurrencyGate {
  /** Takes a place for a request; `false` when the limit is reached (answer 429). */
  enter(): boolean;
  /** Gives the place back (the answer ended or the client hung up). */
  leave(): void;
  /** The wait a rejected request is told to take, in milliseconds. */
  readonly retryAfterMs: number;
}

/** Counts of the server's completion requests in flight. */
export interface ConcurrencyStats {
  /** Being answered now. */
  readonly inFlight: number;
  /** The most answered at once so far (rejected ones not counted). */
  readonly peak: number;
  /** Rejected with a 429 because `concurrencyLimit.max` were in flight. */
  readonly rejected: number;
}

/** Checks `limit` and returns the gate (with no limit, one that always lets in) and its counts. */
export function createConcurrencyGate(
  limit: ConcurrencyLimit | undefined,
  argument = 'concurrencyLimit',
): ConcurrencyGate & { stats(): ConcurrencyStats } {
  if (limit !== undefined) {
    if (typeof limit !== 'object' || limit === null || !Number.isInteger(limit.max) || limit.max < 1) {
      throw new InvalidArgumentError({
        argument: `${argument}.max`,
        message: `${argument}.max must be a whole number of requests >= 1, e.g. { max: 24, retryAfterMs: 100 }; got ${JSON.stringify(limit?.max)}.`,
      });
    }
    const wait = limit.retryAfterMs;
    if (wait !== undefined && !(Number.isInteger(wait) && wait >= 0)) {
      throw new InvalidArgumentError({
        argument: `${argument}.retryAfterMs`,
        message: `${argument}.retryAfterMs must be a whole number of milliseconds >= 0, got ${String(wait)}.`,
      });
    }
  }
  const max = limit?.max ?? Number.POSITIVE_INFINITY;
  let inFlight = 0;
  let peak = 0;
  let rejected = 0;
  return {
    retryAfterMs: limit?.retryAfterMs ?? 1000,
    enter() {
      if (inFlight >= max) {
        rejected += 1;
        return false;
      }
      inFlight += 1;
      if (inFlight > peak) peak = inFlight;
      return true;
    },
    leave() {
      inFlight -= 1;
    },
    stats: () => ({ inFlight, peak, rejected }),
  };
}

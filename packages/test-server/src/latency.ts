import { InvalidArgumentError } from '@rlm/core';

/** A fixed delay in milliseconds, or a `[min, max]` range to draw one from uniformly per request. */
export type LatencyOption = number | readonly [min: number, max: number];

/**
 * Checks `latency` and returns a function that draws one delay per request. Throws
 * `InvalidArgumentError` for a negative, non-finite or reversed range.
 */
export function createLatencyPicker(
  latency: LatencyOption | undefined,
  argument = 'latencyMs',
): () => number {
  if (latency === undefined) return () => 0;
  if (typeof latency === 'number') {
    assertDelay(latency, argument);
    return () => latency;
  }
  if (!Array.isArray(latency) || latency.length !== 2) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a number of milliseconds or a [min, max] pair, got ${JSON.stringify(latency)}.`,
    });
  }
  const [min, max] = latency;
  assertDelay(min, `${argument}[0]`);
  assertDelay(max, `${argument}[1]`);
  if (min > max) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} is [${min}, ${max}]: the minimum is above the maximum; write [${max}, ${min}].`,
    });
  }
  return () => min + Math.random() * (max - min);
}

function assertDelay(value: unknown, argument: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a finite number of milliseconds >= 0, got ${String(value)}.`,
    });
  }
}

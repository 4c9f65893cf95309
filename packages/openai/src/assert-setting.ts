import { InvalidArgumentError } from '@rlm/core';

/** Refuses a setting that is present but not an integer ≥ `minimum`. */
export function assertIntegerSetting(value: number | undefined, argument: string, minimum: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < minimum) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be an integer of at least ${minimum}; got ${String(value)}.`,
    });
  }
}

/** Refuses a setting that is present but not a finite number > 0. */
export function assertPositiveSetting(value: number | undefined, argument: string): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a number greater than 0; got ${String(value)}.`,
    });
  }
}

import { InvalidArgumentError } from '@rlm/core';
import { checkInteger } from '@rlm/core/environment';

/** Refuses a setting that is present but not an integer ≥ `minimum` (core's wording, shared by every plugin). */
export function assertIntegerSetting(value: number | undefined, argument: string, minimum: number): void {
  if (value !== undefined) checkInteger('', argument, value, minimum);
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

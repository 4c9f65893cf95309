import { InvalidArgumentError } from '../errors/invalid-argument-error';

/**
 * Returns `value` when it is a safe integer from `min` to `max`, else throws an
 * `InvalidArgumentError` that names the factory and the option, e.g.
 * `createQuickJSEnvironment: memoryLimitBytes must be an integer from 33554432 to 2147483648; got 5.`
 *
 * One wording for every plugin's options, so that a user who mistyped one reads the same sentence
 * whichever environment or provider they configured.
 */
export function checkInteger(
  owner: string,
  name: string,
  value: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError({
      argument: name,
      message: `${owner}: ${name} must be an integer from ${min} to ${max}; got ${String(value)}.`,
    });
  }
  return value;
}

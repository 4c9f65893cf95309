import { InvalidArgumentError } from '../errors/invalid-argument-error';

/**
 * Returns `value` when it is a safe integer from `min` to `max`, else throws an
 * `InvalidArgumentError` that names the factory (`owner`; `''` for none) and the option, e.g.
 * `createQuickJSEnvironment: memoryLimitBytes must be an integer from 33554432 to 2147483648; got 5.`
 * or, with no upper bound, `maxRetries must be an integer of at least 0; got 1.5.`
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
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidArgumentError({
      argument: name,
      message: `${owner ? `${owner}: ` : ''}${name} must be an integer ${range}; got ${String(value)}.`,
    });
  }
  return value;
}

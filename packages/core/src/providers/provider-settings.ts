import { checkInteger } from '../environment/check-integer';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { RetryOptions } from './retry-with-backoff';

/**
 * The retry tuning a provider's factory takes beside `maxRetries` (`createOpenAI({ retry })`,
 * `createAnthropic({ retry })`): the fields of {@link RetryOptions} that belong to the user rather
 * than to one call.
 */
export type ProviderRetrySettings = Pick<
  RetryOptions,
  'maxRateLimitRetries' | 'initialDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'onRetry'
>;

/**
 * Refuses a setting that is present but not an integer of at least `minimum`, in the wording every
 * plugin shares (`maxRetries must be an integer of at least 0; got 1.5.`). `owner` names the factory
 * at the start of the message (`'createAnthropic'`); leave it out for none.
 */
export function checkIntegerSetting(
  value: number | undefined,
  argument: string,
  minimum: number,
  owner = '',
): void {
  if (value !== undefined) checkInteger(owner, argument, value, minimum);
}

/** Refuses a setting that is present but not a finite number greater than 0 (a timeout, a delay). */
export function checkPositiveSetting(value: number | undefined, argument: string): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a number greater than 0; got ${String(value)}.`,
    });
  }
}

/**
 * An environment variable that a provider falls back on (`OPENAI_API_KEY`, `ANTHROPIC_BASE_URL`),
 * trimmed; `undefined` when it is unset, blank, or there is no `process` (browsers, workers).
 */
export function readEnvironmentVariable(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name]?.trim();
  return value ? value : undefined;
}

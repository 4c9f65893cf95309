import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { checkIntegerSetting, checkPositiveSetting, readEnvironmentVariable } from './provider-settings';

describe('checkIntegerSetting', () => {
  it('lets an absent setting and an integer at or above the minimum through', () => {
    expect(() => checkIntegerSetting(undefined, 'maxRetries', 0)).not.toThrow();
    expect(() => checkIntegerSetting(0, 'maxRetries', 0)).not.toThrow();
    expect(() => checkIntegerSetting(7, 'contextWindow', 1)).not.toThrow();
  });

  it("refuses fractions, values below the minimum and NaN in core's wording, with the owner when given", () => {
    expect(() => checkIntegerSetting(1.5, 'maxRetries', 0)).toThrow(
      new InvalidArgumentError({
        argument: 'maxRetries',
        message: 'maxRetries must be an integer of at least 0; got 1.5.',
      }),
    );
    expect(() => checkIntegerSetting(-1, 'maxRetries', 0, 'createAnthropic')).toThrow(
      'createAnthropic: maxRetries must be an integer of at least 0; got -1.',
    );
    expect(() => checkIntegerSetting(0, 'contextWindow', 1)).toThrow(InvalidArgumentError);
    expect(() => checkIntegerSetting(Number.NaN, 'contextWindow', 1)).toThrow(/got NaN/);
  });
});

describe('checkPositiveSetting', () => {
  it('lets an absent setting and a positive number through; refuses 0, negatives, NaN and Infinity', () => {
    expect(() => checkPositiveSetting(undefined, 'timeout')).not.toThrow();
    expect(() => checkPositiveSetting(0.5, 'timeout')).not.toThrow();
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkPositiveSetting(value, 'timeout')).toThrow(
        `timeout must be a number greater than 0; got ${String(value)}.`,
      );
    }
  });
});

describe('readEnvironmentVariable', () => {
  const name = 'RLM_PROVIDER_SETTINGS_TEST_VARIABLE';
  afterEach(() => {
    delete process.env[name];
  });

  it('reads a variable trimmed, and treats unset and blank alike', () => {
    expect(readEnvironmentVariable(name)).toBeUndefined();
    process.env[name] = '   ';
    expect(readEnvironmentVariable(name)).toBeUndefined();
    process.env[name] = '  sk-test \n';
    expect(readEnvironmentVariable(name)).toBe('sk-test');
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { readToolInteger, readToolParameters, readToolText } from './read-tool-parameters';

function failure(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected a throw');
}

const example = "find({ query: 'refund' })";

describe('readToolParameters', () => {
  it('returns an object with known keys as it is', () => {
    const given = { query: 'x', k: 3 };
    expect(readToolParameters('find', given, ['query', 'k'], example)).toBe(given);
  });

  it.each([
    null,
    undefined,
    'refund',
    3,
    ['query'],
  ])('refuses %j: one object argument, with an example', (value) => {
    const error = failure(() => readToolParameters('find', value as never, ['query'], example));
    expect(error.message).toBe(`find takes one object argument, e.g. ${example}.`);
    expect(error.argument).toBe('parameters');
  });

  it('names every unknown key and the known ones', () => {
    expect(failure(() => readToolParameters('find', { q: 1 }, ['query', 'k'], example)).message).toBe(
      `find: unknown parameter 'q'. It takes 'query', 'k', e.g. ${example}.`,
    );
    const error = failure(() => readToolParameters('find', { q: 1, n: 2 }, ['query'], example));
    expect(error.message).toBe(`find: unknown parameters 'q', 'n'. It takes 'query', e.g. ${example}.`);
    expect(error.argument).toBe('q');
  });
});

describe('readToolInteger', () => {
  const range = { min: 1, max: 50, fallback: 5 };

  it('gives the fallback when left out, the value when in range', () => {
    expect(readToolInteger('find', 'k', undefined, range)).toBe(5);
    expect(readToolInteger('find', 'k', null, range)).toBe(5);
    expect(readToolInteger('find', 'k', 1, range)).toBe(1);
    expect(readToolInteger('find', 'k', 50, range)).toBe(50);
  });

  it.each([0, 51, 2.5, '3', Number.NaN, true])('refuses %j with the range', (value) => {
    const error = failure(() => readToolInteger('find', 'k', value as never, range));
    expect(error.message).toBe(
      `find: 'k' must be a whole number from 1 to 50, got ${JSON.stringify(value)}.`,
    );
    expect(error.argument).toBe('k');
  });
});

describe('readToolText', () => {
  it('returns a non-blank string', () => {
    expect(readToolText('find', 'query', ' refund ', example)).toBe(' refund ');
  });

  it('refuses a missing, blank or non-string value, saying which', () => {
    expect(failure(() => readToolText('find', 'query', undefined, example)).message).toBe(
      `find: 'query' must be a non-empty string and is missing, e.g. ${example}.`,
    );
    for (const value of ['', '  \n', 7, null]) {
      expect(failure(() => readToolText('find', 'query', value as never, example)).message).toBe(
        `find: 'query' must be a non-empty string, got ${JSON.stringify(value)}, e.g. ${example}.`,
      );
    }
  });
});

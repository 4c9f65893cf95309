import { LimitExceededError, type RLMResult, RunAbortedError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { questionOutcome } from './question-outcome';

const answeredResult = (overrides: Partial<RLMResult<unknown>> = {}) =>
  ({
    answer: 'disk: 3',
    answerSource: 'FINAL',
    turns: 2,
    failedSubCalls: { count: 0, total: 4, reasons: [] },
    ...overrides,
  }) as unknown as RLMResult<unknown>;

describe('questionOutcome', () => {
  it('an answer exits 0; with failed sub-calls 4, saying how many', () => {
    expect(questionOutcome(answeredResult(), undefined, false)).toMatchObject({
      answered: true,
      answer: 'disk: 3',
      partial: false,
      exitCode: 0,
      status: 'answered',
    });
    const someFailed = questionOutcome(
      answeredResult({ failedSubCalls: { count: 1, total: 4, reasons: [] } }),
      undefined,
      false,
    );
    expect(someFailed).toMatchObject({ exitCode: 4, status: 'answered, 1 of 4 sub-calls failed' });
  });

  it('a typed answer is printed as JSON; the --max-turns fallback is partial, exit 3', () => {
    expect(questionOutcome(answeredResult({ answer: { n: 3 } }), undefined, true).answer).toBe(
      '{\n  "n": 3\n}',
    );
    expect(
      questionOutcome(answeredResult({ answerSource: 'max-turns-fallback' }), undefined, false),
    ).toMatchObject({ answered: false, partial: true, exitCode: 3, status: 'stopped by --max-turns' });
  });

  it('a limit exits 3 naming its flag, Ctrl-C 130, anything else 1; partial answers are kept', () => {
    const limit = new LimitExceededError({ limit: 'maxCostUsd', limitValue: 1, message: 'spent' });
    expect(questionOutcome(undefined, limit, false)).toMatchObject({
      exitCode: 3,
      status: 'stopped by --max-cost',
      partial: false,
    });
    const aborted = new RunAbortedError({ reason: new Error('Ctrl-C'), partialAnswer: 'so far' });
    expect(questionOutcome(undefined, aborted, false)).toMatchObject({
      exitCode: 130,
      aborted: true,
      status: 'interrupted',
      answer: 'so far',
      partial: true,
    });
    expect(questionOutcome(undefined, new Error('boom'), false)).toMatchObject({
      exitCode: 1,
      status: 'failed',
      partial: false,
    });
  });
});

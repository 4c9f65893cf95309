import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../errors/limit-exceeded-error';
import { RunBudget } from './run-budget';

/*
 * The run tree's budget on its own: estimates, reservations, the limits at their boundaries, and the
 * sub-call count (issue 10: mutation testing found boundaries no test held).
 */

const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });

function limitOf(work: () => unknown): LimitExceededError {
  try {
    work();
  } catch (error) {
    expect(LimitExceededError.isInstance(error)).toBe(true);
    return error as LimitExceededError;
  }
  throw new Error('expected a LimitExceededError');
}

describe('RunBudget.estimate', () => {
  it('is the prompt alone, free, before the model has answered once', () => {
    expect(new RunBudget({}).estimate('m', 100, undefined)).toEqual({ tokens: 100, costUsd: 0 });
  });

  it('adds the model’s average output so far, capped by maxOutputTokens, at its average price per token', () => {
    const budget = new RunBudget({});
    budget.settle({ tokens: 0, costUsd: 0 }, { modelKey: 'm', usage: usage(100, 40), costUsd: 0.14 });
    budget.settle({ tokens: 0, costUsd: 0 }, { modelKey: 'm', usage: usage(100, 20), costUsd: 0.12 });
    // Average output 30; price 0.26 / 260 tokens = 0.001 per token.
    expect(budget.estimate('m', 50, undefined)).toEqual({ tokens: 80, costUsd: 0.08 });
    expect(budget.estimate('m', 50, 10)).toEqual({ tokens: 60, costUsd: 0.06 });
    expect(budget.estimate('m', 50, 1_000)).toEqual({ tokens: 80, costUsd: 0.08 });
    // Another model has its own averages.
    expect(budget.estimate('other', 50, undefined)).toEqual({ tokens: 50, costUsd: 0 });
  });

  it('learns nothing from estimated (aborted) calls, but counts what they spent', () => {
    const budget = new RunBudget({});
    budget.settle(
      { tokens: 0, costUsd: 0 },
      { modelKey: 'm', usage: usage(500, 0), costUsd: 1, estimated: true },
    );
    expect(budget.estimate('m', 10, undefined)).toEqual({ tokens: 10, costUsd: 0 });
    expect(budget.tokensUsed).toBe(500);
    expect(budget.costUsd).toBe(1);
  });
});

describe('RunBudget limits', () => {
  it('maxTokens: available below the limit, spent at it, with the words and numbers', () => {
    const budget = new RunBudget({ maxTokens: 100 });
    budget.record(usage(60, 39), undefined);
    expect(() => budget.assertAvailable()).not.toThrow();
    budget.record(usage(1, 0), undefined);
    const error = limitOf(() => budget.assertAvailable());
    expect(error.limit).toBe('maxTokens');
    expect(error.limitValue).toBe(100);
    expect(error.message).toBe('The run used 100 tokens, reaching its limit of 100 (limits.maxTokens).');
  });

  it('maxCostUsd: available below the limit, spent at it, with the words and numbers', () => {
    const budget = new RunBudget({ maxCostUsd: 0.5 });
    budget.record(usage(1, 1), 0.49);
    expect(() => budget.assertAvailable()).not.toThrow();
    budget.record(usage(1, 1), 0.01);
    const error = limitOf(() => budget.assertAvailable());
    expect(error.limit).toBe('maxCostUsd');
    expect(error.limitValue).toBe(0.5);
    expect(error.message).toBe('The run cost $0.5000, reaching its limit of $0.5 (limits.maxCostUsd).');
  });

  it('without limits, reserving is free and never waits', async () => {
    const budget = new RunBudget({});
    budget.record(usage(1e9, 1e9), 1e6);
    expect(await budget.reserve({ tokens: 10, costUsd: 1 })).toEqual({ tokens: 0, costUsd: 0 });
  });

  it('admits a call while used + reserved is below the limit (its own size aside), else waits for a settle', async () => {
    const below = new RunBudget({ maxTokens: 100 });
    await below.reserve({ tokens: 60, costUsd: 0 });
    await below.reserve({ tokens: 39, costUsd: 0 });
    // 99 reserved, below 100: admitted at once, however large.
    expect(await below.reserve({ tokens: 500, costUsd: 0 })).toEqual({ tokens: 500, costUsd: 0 });

    const at = new RunBudget({ maxTokens: 100 });
    const first = await at.reserve({ tokens: 60, costUsd: 0 });
    const second = await at.reserve({ tokens: 40, costUsd: 0 });
    let thirdAdmitted = false;
    const third = at.reserve({ tokens: 10, costUsd: 0 }).then((reservation) => {
      thirdAdmitted = true;
      return reservation;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(thirdAdmitted).toBe(false);
    at.settle(first, { modelKey: 'm', usage: usage(30, 0), costUsd: undefined });
    expect(await third).toEqual({ tokens: 10, costUsd: 0 });
    at.settle(second);
    expect(at.tokensUsed).toBe(30);
  });

  it('always admits one call when nothing is reserved, even one larger than the budget', async () => {
    const budget = new RunBudget({ maxTokens: 100 });
    expect(await budget.reserve({ tokens: 1_000, costUsd: 0 })).toEqual({ tokens: 1_000, costUsd: 0 });
  });

  it('a waiting reservation fails once a settle spends the budget', async () => {
    const budget = new RunBudget({ maxCostUsd: 1 });
    const first = await budget.reserve({ tokens: 0, costUsd: 0.9 });
    await budget.reserve({ tokens: 0, costUsd: 0.1 });
    const waiting = budget.reserve({ tokens: 0, costUsd: 0.2 }).catch((error: unknown) => error);
    budget.settle(first, { modelKey: 'm', usage: usage(1, 1), costUsd: 1 });
    const error = (await waiting) as LimitExceededError;
    expect(error.limit).toBe('maxCostUsd');
  });

  it('a waiting reservation whose signal aborted stops at the next settle with the reason', async () => {
    const budget = new RunBudget({ maxTokens: 10 });
    const first = await budget.reserve({ tokens: 10, costUsd: 0 });
    const controller = new AbortController();
    const waiting = budget
      .reserve({ tokens: 1, costUsd: 0 }, controller.signal)
      .catch((error: unknown) => error);
    controller.abort(new Error('stopped'));
    budget.settle(first);
    expect(((await waiting) as Error).message).toBe('stopped');
  });

  it('settling without spending gives the reservation back, never below zero', async () => {
    const budget = new RunBudget({ maxTokens: 100 });
    const big = await budget.reserve({ tokens: 99, costUsd: 0 });
    budget.settle(big);
    budget.settle(big);
    // Given back once only: 100 reserved now is the whole budget, so the next call waits.
    const next = await budget.reserve({ tokens: 100, costUsd: 0 });
    let admitted = false;
    void budget.reserve({ tokens: 2, costUsd: 0 }).then(() => {
      admitted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(admitted).toBe(false);
    budget.settle(next);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(admitted).toBe(true);
  });
});

describe('RunBudget.reserveSubCall', () => {
  it('counts sub-calls up to maxSubCalls, then fails only the ones over it', () => {
    const budget = new RunBudget({ maxSubCalls: 2 });
    budget.reserveSubCall();
    budget.reserveSubCall();
    expect(budget.subCalls).toBe(2);
    const error = limitOf(() => budget.reserveSubCall());
    expect(error.limit).toBe('maxSubCalls');
    expect(error.limitValue).toBe(2);
    expect(error.message).toBe(
      'Not sent: the run already made 2 sub-calls, its limit (limits.maxSubCalls). Use the answers you have.',
    );
    expect(budget.subCalls).toBe(2);
  });

  it('with maxSubCalls 0 refuses the first sub-call', () => {
    const budget = new RunBudget({ maxSubCalls: 0 });
    const error = limitOf(() => budget.reserveSubCall());
    expect(error.limit).toBe('maxSubCalls');
    expect(error.limitValue).toBe(0);
    expect(budget.subCalls).toBe(0);
  });

  it('counts without a limit', () => {
    const budget = new RunBudget({});
    for (let index = 0; index < 5; index++) budget.reserveSubCall();
    expect(budget.subCalls).toBe(5);
  });
});

import { LimitExceededError } from '@rlm/core';
import { BudgetSpentError } from '../run/cost-meter';

/** What a failed run tells the table: its message, and whether the benchmark's budget stopped it. */
export function describeRunError(
  error: unknown,
  budgetLimited: boolean,
): { error: string; budgetStopped: boolean } {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const budgetStopped =
    error instanceof BudgetSpentError ||
    (budgetLimited &&
      LimitExceededError.isInstance(error) &&
      (error as LimitExceededError).limit === 'maxCostUsd');
  return { error: message, budgetStopped };
}

/** The answer an error carries (a core run error's partial answer), if any. */
export function partialAnswerOf(error: unknown): string | undefined {
  const partial = (error as { partialAnswer?: unknown } | undefined)?.partialAnswer;
  return typeof partial === 'string' ? partial : undefined;
}

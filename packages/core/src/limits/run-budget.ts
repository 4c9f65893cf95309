import { LimitExceededError } from '../errors/limit-exceeded-error';
import type { LanguageModelUsage } from '../language-model/language-model';
import type { LimitName } from './rlm-limits';

/**
 * The budget of a whole run tree: tokens, cost and sub-calls are counted across the root and all
 * its children, so a child automatically gets only what is left of its parent's budget.
 */
export class RunBudget {
  tokensUsed = 0;
  costUsd = 0;
  subCalls = 0;

  constructor(
    private readonly limits: {
      readonly maxTokens?: number;
      readonly maxCostUsd?: number;
      readonly maxSubCalls?: number;
    },
  ) {}

  /** Throws if tokens or cost are already spent. Called before every model call. */
  assertAvailable(): void {
    const { maxTokens, maxCostUsd } = this.limits;
    if (maxTokens !== undefined && this.tokensUsed >= maxTokens) {
      throw exceeded(
        'maxTokens',
        maxTokens,
        `The run used ${this.tokensUsed} tokens, reaching its limit of ${maxTokens} (limits.maxTokens).`,
      );
    }
    if (maxCostUsd !== undefined && this.costUsd >= maxCostUsd) {
      throw exceeded(
        'maxCostUsd',
        maxCostUsd,
        `The run cost $${this.costUsd.toFixed(4)}, reaching its limit of $${maxCostUsd} (limits.maxCostUsd).`,
      );
    }
  }

  /** Counts one sub-call, throwing if that would pass `maxSubCalls`. */
  reserveSubCall(): void {
    const { maxSubCalls } = this.limits;
    if (maxSubCalls !== undefined && this.subCalls >= maxSubCalls) {
      throw exceeded(
        'maxSubCalls',
        maxSubCalls,
        `The run made ${this.subCalls} sub-calls, its limit (limits.maxSubCalls).`,
      );
    }
    this.subCalls++;
  }

  record(usage: LanguageModelUsage, costUsd: number | undefined): void {
    this.tokensUsed += usage.inputTokens + usage.outputTokens;
    this.costUsd += costUsd ?? 0;
  }
}

function exceeded(limit: LimitName, limitValue: number, message: string): LimitExceededError {
  return new LimitExceededError({ limit, limitValue, message });
}

import { LimitExceededError } from '../errors/limit-exceeded-error';
import type { LanguageModelUsage } from '../language-model/language-model';
import type { LimitName } from './rlm-limits';

/** What one call is expected to spend, reserved while it is in flight. */
export interface BudgetReservation {
  readonly tokens: number;
  readonly costUsd: number;
}

/**
 * The budget of a whole run tree: tokens, cost and sub-calls are counted across the root and all
 * its children, so a child automatically gets only what is left of its parent's budget.
 *
 * Every call reserves an estimate before it is sent (its prompt's tokens plus the model's average
 * output so far; cost at the model's average price per token so far) and is admitted only while
 * what was used plus what in-flight calls reserved is below the limit; otherwise it waits for an
 * in-flight call to settle, and fails once the limit is really reached. So the overshoot of
 * `maxTokens` / `maxCostUsd` is bounded by what the calls in flight spend beyond their estimates:
 * at most about one call per concurrency slot.
 */
export class RunBudget {
  tokensUsed = 0;
  costUsd = 0;
  subCalls = 0;
  private reservedTokens = 0;
  private reservedCostUsd = 0;
  private settled: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly models = new Map<
    string,
    { calls: number; tokens: number; outputTokens: number; costUsd: number }
  >();

  constructor(
    private readonly limits: {
      readonly maxTokens?: number;
      readonly maxCostUsd?: number;
      readonly maxSubCalls?: number;
    },
  ) {}

  /** Throws if tokens or cost are already spent. */
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

  /** The estimate of a call of `modelKey` whose prompt is `inputTokens` tokens, from its calls so far. */
  estimate(modelKey: string, inputTokens: number, maxOutputTokens: number | undefined): BudgetReservation {
    const seen = this.models.get(modelKey);
    const averageOutput = seen && seen.calls > 0 ? seen.outputTokens / seen.calls : 0;
    const tokens = inputTokens + Math.min(maxOutputTokens ?? Number.POSITIVE_INFINITY, averageOutput);
    const costPerToken = seen && seen.tokens > 0 ? seen.costUsd / seen.tokens : 0;
    return { tokens, costUsd: tokens * costPerToken };
  }

  /**
   * Reserves `estimate` for a call about to be sent: waits while in-flight reservations already
   * commit the rest of the budget, throws `LimitExceededError` once it is spent.
   */
  async reserve(estimate: BudgetReservation, signal?: AbortSignal): Promise<BudgetReservation> {
    const { maxTokens, maxCostUsd } = this.limits;
    if (maxTokens === undefined && maxCostUsd === undefined) return { tokens: 0, costUsd: 0 };
    for (;;) {
      this.assertAvailable();
      const tokensFree = maxTokens === undefined || this.tokensUsed + this.reservedTokens < maxTokens;
      const costFree = maxCostUsd === undefined || this.costUsd + this.reservedCostUsd < maxCostUsd;
      if ((tokensFree && costFree) || (this.reservedTokens === 0 && this.reservedCostUsd === 0)) {
        this.reservedTokens += estimate.tokens;
        this.reservedCostUsd += estimate.costUsd;
        return estimate;
      }
      // Woken by the next settle, which an abort brings soon (it stops the calls in flight); no
      // listener on `signal`, which every item of a batch shares.
      this.settled ??= withResolvers();
      await this.settled.promise;
      signal?.throwIfAborted();
    }
  }

  /** Ends a reservation; `spent` is what the call used (reported, or estimated when it was aborted). */
  settle(
    reservation: BudgetReservation,
    spent?: { modelKey: string; usage: LanguageModelUsage; costUsd: number | undefined; estimated?: boolean },
  ): void {
    this.reservedTokens = Math.max(0, this.reservedTokens - reservation.tokens);
    this.reservedCostUsd = Math.max(0, this.reservedCostUsd - reservation.costUsd);
    if (spent) {
      this.record(spent.usage, spent.costUsd);
      if (!spent.estimated) {
        const model = this.models.get(spent.modelKey) ?? { calls: 0, tokens: 0, outputTokens: 0, costUsd: 0 };
        model.calls += 1;
        model.tokens += spent.usage.inputTokens + spent.usage.outputTokens;
        model.outputTokens += spent.usage.outputTokens;
        model.costUsd += spent.costUsd ?? 0;
        this.models.set(spent.modelKey, model);
      }
    }
    const settled = this.settled;
    this.settled = undefined;
    settled?.resolve();
  }

  /**
   * Counts one sub-call. Past `maxSubCalls` it throws for this call only: the calls under the
   * limit run, the ones above it fail (the model sees them as failed sub-calls) and the run goes on.
   */
  reserveSubCall(): void {
    const { maxSubCalls } = this.limits;
    if (maxSubCalls !== undefined && this.subCalls >= maxSubCalls) {
      throw exceeded(
        'maxSubCalls',
        maxSubCalls,
        `Not sent: the run already made ${this.subCalls} sub-calls, its limit (limits.maxSubCalls). Use the answers you have.`,
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

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

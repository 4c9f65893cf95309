import type { LanguageModelUsage } from '../language-model/language-model';

/** Usage added up over many calls of one model (or of all models). */
export interface UsageTotals {
  /** Number of calls. */
  calls: number;
  /** Prompt tokens, cached ones included. */
  inputTokens: number;
  /** Generated tokens. */
  outputTokens: number;
  /** Prompt tokens served from the provider's cache. */
  cachedInputTokens: number;
  /** Cost in US dollars of the calls whose cost was known. */
  costUsd: number;
  /** Calls whose cost the provider could not tell (no price known): `costUsd` undercounts by these. */
  callsWithUnknownCost: number;
  /**
   * Calls stopped in flight (an abort, a limit, a cell's end), included in `calls`: their prompt was
   * sent, so their input tokens are estimated from it (output counted 0) and their cost estimated at
   * the model's average price so far (unknown when there was none).
   */
  abortedCalls: number;
}

/** Usage of one run, in total and per model (keyed `provider:modelId`). */
export interface RunUsage {
  readonly total: UsageTotals;
  readonly byModel: Readonly<Record<string, UsageTotals>>;
}

export function emptyUsageTotals(): UsageTotals {
  return {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costUsd: 0,
    callsWithUnknownCost: 0,
    abortedCalls: 0,
  };
}

export function addCallToTotals(
  totals: UsageTotals,
  usage: LanguageModelUsage,
  costUsd: number | undefined,
): void {
  totals.calls += 1;
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  totals.cachedInputTokens += usage.cachedInputTokens ?? 0;
  if (costUsd === undefined) totals.callsWithUnknownCost += 1;
  else totals.costUsd += costUsd;
}

/** Keeps per-model totals for one run, children's calls included. */
export class UsageTracker {
  private readonly total = emptyUsageTotals();
  private readonly byModel = new Map<string, UsageTotals>();

  /** `parent`: a child run's tracker also adds every call to its parent's. */
  constructor(private readonly parent?: UsageTracker) {}

  record(modelKey: string, usage: LanguageModelUsage, costUsd: number | undefined): void {
    this.parent?.record(modelKey, usage, costUsd);
    addCallToTotals(this.total, usage, costUsd);
    let totals = this.byModel.get(modelKey);
    if (!totals) {
      totals = emptyUsageTotals();
      this.byModel.set(modelKey, totals);
    }
    addCallToTotals(totals, usage, costUsd);
  }

  /** A call stopped in flight, with its estimated usage and cost. */
  recordAborted(modelKey: string, usage: LanguageModelUsage, costUsd: number | undefined): void {
    this.parent?.recordAbortedOnly(modelKey);
    this.record(modelKey, usage, costUsd);
    this.markAborted(modelKey);
  }

  private recordAbortedOnly(modelKey: string): void {
    this.parent?.recordAbortedOnly(modelKey);
    this.markAborted(modelKey);
  }

  private markAborted(modelKey: string): void {
    this.total.abortedCalls += 1;
    const totals = this.byModel.get(modelKey);
    if (totals) totals.abortedCalls += 1;
  }

  snapshot(): RunUsage {
    return {
      total: { ...this.total },
      byModel: Object.fromEntries([...this.byModel].map(([key, totals]) => [key, { ...totals }])),
    };
  }
}

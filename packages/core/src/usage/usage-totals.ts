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
  /**
   * Calls a resumed run replayed from its earlier attempt (`rlm.resume`), included in `calls`: no
   * request was sent this time, but their tokens and cost were spent by the run and count in it.
   */
  replayedCalls: number;
  /**
   * Calls the sub-call cache answered (`RLMSettings.cache`), NOT included in `calls`: nothing was sent
   * and nothing spent; their tokens are left out of the counts above.
   */
  cachedCalls: number;
  /** What the cached calls cost when they were first made, in US dollars (their saving). */
  cachedCostUsd: number;
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
    replayedCalls: 0,
    cachedCalls: 0,
    cachedCostUsd: 0,
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

  /** A call of an earlier attempt of this run, replayed: counted as spent, and as replayed. */
  recordReplayed(modelKey: string, usage: LanguageModelUsage, costUsd: number | undefined): void {
    this.record(modelKey, usage, costUsd);
    this.visit(modelKey, (totals) => {
      totals.replayedCalls += 1;
    });
  }

  /** A call the cache answered: nothing spent; counted as cached, with what it cost before. */
  recordCached(modelKey: string, _usage: LanguageModelUsage, costUsd: number | undefined): void {
    this.visit(modelKey, (totals) => {
      totals.cachedCalls += 1;
      totals.cachedCostUsd += costUsd ?? 0;
    });
  }

  /** Changes this run's totals (all and `modelKey`'s) and every ancestor's. */
  private visit(modelKey: string, change: (totals: UsageTotals) => void): void {
    this.parent?.visit(modelKey, change);
    change(this.total);
    let totals = this.byModel.get(modelKey);
    if (!totals) {
      totals = emptyUsageTotals();
      this.byModel.set(modelKey, totals);
    }
    change(totals);
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

import type { LanguageModel, ReplEnvironment } from '@rlm/core';
import type { CostMeter } from '../run/cost-meter';
import type { BenchInstance } from '../tasks/bench-instance';

/** The strategies of the paper's Table 1 (and its depth-2 variant), run on the same instances. */
export const STRATEGY_NAMES = [
  'base',
  'summary-agent',
  'codeact-bm25',
  'rlm-no-sub-calls',
  'rlm-depth-1',
  'rlm-depth-2',
] as const;

export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** What each strategy is, for tables, `--help` and the README. */
export const STRATEGY_DESCRIPTIONS: Readonly<Record<StrategyName, string>> = {
  base: 'the model alone, the context cut to its window',
  'summary-agent':
    'reads the context in window-sized parts, rewriting its notes after each, then answers from the notes',
  'codeact-bm25':
    'a code-executing agent with the context (cut to its window) in its prompt and BM25 search over all of it; no sub-calls',
  'rlm-no-sub-calls': 'RLM with the context in the REPL, no sub-calls (REPL only)',
  'rlm-depth-1': "RLM, sub-calls are plain model calls (the paper's RLM)",
  'rlm-depth-2': 'RLM, sub-calls may start child RLMs that sub-call in turn',
};

/** What a strategy needs for one instance. */
export interface StrategyRun {
  readonly instance: BenchInstance;
  /** The question as sent (offline runs tag it with the instance id, for the scripted models). */
  readonly question: string;
  readonly model: LanguageModel;
  readonly subModel: LanguageModel;
  readonly environment: ReplEnvironment;
  /** Where this run's trajectory goes (JSONL). */
  readonly trajectoryPath: string;
  /** Counts every call's cost as it happens; `remainingUsd` is what the budget has left. */
  readonly meter: CostMeter;
  readonly signal: AbortSignal;
}

/** Usage of one instance under one strategy. */
export interface StrategyUsage {
  /** Model calls, sub-calls included. */
  calls: number;
  /** Sub-calls (`llm_query`, `rlm_query`) made by REPL code; 0 for strategies without a REPL's sub-calls. */
  subCalls: number;
  failedSubCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Calls whose cost the provider did not know (a local model): `costUsd` leaves them out. */
  callsWithUnknownCost: number;
}

/** How one instance went. An error is never an answer: `answer` is then what the run had, if anything. */
export interface StrategyOutcome {
  readonly answer: string | undefined;
  readonly usage: StrategyUsage;
  /** Why there is no (full) answer: a limit, a provider error, the context not fitting. */
  readonly error?: string;
  /** The run stopped because the benchmark's `--budget` was spent: not finished, rerun it later. */
  readonly budgetStopped?: boolean;
}

/** One way of answering: the base model, a summarising agent, CodeAct, an RLM. */
export interface Strategy {
  readonly name: StrategyName;
  run(run: StrategyRun): Promise<StrategyOutcome>;
}

export function emptyUsage(): StrategyUsage {
  return {
    calls: 0,
    subCalls: 0,
    failedSubCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    callsWithUnknownCost: 0,
  };
}

import { ANSWER_TOKENS, codeActTurnTokens } from '../strategies/fit-to-window';
import type { StrategyName } from '../strategies/strategy';
import type { ModelFacts } from './model-facts';

/** Estimated tokens of one instance under one strategy. */
export interface TokenEstimate {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/*
 * The assumptions of the estimate (printed by --dry-run and stated in the README). They are rough
 * on purpose: a model that explores more, or thinks longer, costs more.
 * - answers: 500 output tokens per direct call; 400 per REPL turn; 300 per sub-call;
 * - the base model reads min(size, window − 4K);
 * - the summary agent reads the whole context once in window-sized parts, plus ~4.5K of notes and
 *   instructions per part, writing ~2K tokens of notes per part;
 * - CodeAct takes 6 turns, each re-reading its prompt (the context cut to its window less 4K for the
 *   answer and min(24K, window / 4) for its turns, plus 2K) and
 *   a history that grows by 3K per turn;
 * - the RLM without sub-calls takes 10 turns, with depth 1 or 2 8 turns: each re-reads the system
 *   prompt (2.5K) and a history that grows by 4K per turn;
 * - RLM sub-calls read the context once (×1.1 for overlap and instructions) in chunks of at most
 *   half the sub-model's window or 100K tokens; depth 2 adds half again for the children's own turns.
 */
const TURN_OUTPUT = 400;

function turns(count: number, promptTokens: number, growth: number): TokenEstimate {
  return {
    calls: count,
    inputTokens: count * promptTokens + (growth * count * (count - 1)) / 2,
    outputTokens: count * TURN_OUTPUT,
  };
}

function add(...estimates: TokenEstimate[]): TokenEstimate {
  return estimates.reduce((sum, estimate) => ({
    calls: sum.calls + estimate.calls,
    inputTokens: sum.inputTokens + estimate.inputTokens,
    outputTokens: sum.outputTokens + estimate.outputTokens,
  }));
}

/** The estimated tokens of one instance of `sizeTokens` under `strategy`. */
export function estimateTokens(
  strategy: StrategyName,
  sizeTokens: number,
  model: ModelFacts,
  subModel: ModelFacts,
): TokenEstimate {
  const window = model.contextWindow;
  const direct = { calls: 1, inputTokens: Math.min(sizeTokens, window - 4_096) + 300, outputTokens: 500 };
  const subCalls = (): TokenEstimate => {
    const chunk = Math.min(subModel.contextWindow / 2, 100_000);
    const count = Math.ceil(sizeTokens / chunk);
    return { calls: count, inputTokens: sizeTokens * 1.1 + count * 300, outputTokens: count * 300 };
  };
  switch (strategy) {
    case 'base':
      return direct;
    case 'summary-agent': {
      if (sizeTokens <= window - 4_096 - 300) return direct;
      const part = Math.max(1_000, window - 4_096 - 4_500);
      const parts = Math.ceil(sizeTokens / part);
      return {
        calls: parts + 1,
        inputTokens: sizeTokens + (parts + 1) * 4_500,
        outputTokens: parts * 2_000 + 500,
      };
    }
    case 'codeact-bm25':
      return turns(
        6,
        Math.min(sizeTokens, Math.max(0, window - ANSWER_TOKENS - codeActTurnTokens(window))) + 2_000,
        3_000,
      );
    case 'rlm-no-sub-calls':
      return turns(10, 2_500, 4_000);
    case 'rlm-depth-1':
      return add(turns(8, 2_500, 4_000), subCalls());
    case 'rlm-depth-2': {
      const one = add(turns(8, 2_500, 4_000), subCalls());
      return {
        calls: Math.round(one.calls * 1.5),
        inputTokens: one.inputTokens * 1.5,
        outputTokens: one.outputTokens * 1.5,
      };
    }
  }
}

/**
 * US dollars for `estimate` (no cache discounts), with root and sub-model tokens priced apart: for
 * the RLMs with sub-calls the sub-calls go to the sub-model. `undefined` when a price is unknown.
 */
export function estimateCostUsd(
  strategy: StrategyName,
  sizeTokens: number,
  model: ModelFacts,
  subModel: ModelFacts,
): number | undefined {
  const price = (facts: ModelFacts, estimate: TokenEstimate) =>
    facts.pricing === undefined
      ? undefined
      : (estimate.inputTokens * facts.pricing.inputPerMillion +
          estimate.outputTokens * facts.pricing.outputPerMillion) /
        1e6;
  const total = estimateTokens(strategy, sizeTokens, model, subModel);
  if (strategy !== 'rlm-depth-1' && strategy !== 'rlm-depth-2') return price(model, total);
  const chunk = Math.min(subModel.contextWindow / 2, 100_000);
  const count = Math.ceil(sizeTokens / chunk);
  const factor = strategy === 'rlm-depth-2' ? 1.5 : 1;
  const sub = {
    calls: count,
    inputTokens: (sizeTokens * 1.1 + count * 300) * factor,
    outputTokens: count * 300 * factor,
  };
  const root = {
    calls: total.calls - sub.calls,
    inputTokens: total.inputTokens - sub.inputTokens,
    outputTokens: total.outputTokens - sub.outputTokens,
  };
  const rootCost = price(model, root);
  const subCost = price(subModel, sub);
  return rootCost === undefined || subCost === undefined ? undefined : rootCost + subCost;
}

import { formatCount, formatTokens } from '../output/aggregate-results';
import type { StrategyName } from '../strategies/strategy';
import type { TaskFamily } from '../tasks/bench-instance';
import { estimateCostUsd, estimateTokens } from './estimate-cost';
import type { ModelFacts } from './model-facts';

/** The runs an estimate covers: each family × size × instance under each strategy. */
export interface EstimatePlan {
  readonly families: readonly TaskFamily[];
  readonly sizes: readonly number[];
  readonly instances: number;
  readonly strategies: readonly StrategyName[];
  /** Runs already finished (skipped on a rerun), by `strategy` and size. */
  readonly finished?: (strategy: StrategyName, sizeTokens: number) => number;
}

/** The estimated cost of the runs still to do, or `undefined` when a model's price is unknown. */
export function estimatePlanUsd(
  plan: EstimatePlan,
  model: ModelFacts,
  subModel: ModelFacts,
): number | undefined {
  let total = 0;
  for (const strategy of plan.strategies) {
    for (const size of plan.sizes) {
      const runs = plan.families.length * plan.instances - (plan.finished?.(strategy, size) ?? 0);
      const cost = estimateCostUsd(strategy, size, model, subModel);
      if (cost === undefined) return undefined;
      total += Math.max(0, runs) * cost;
    }
  }
  return total;
}

function usd(value: number | undefined): string {
  return value === undefined ? 'unknown' : `$${value < 10 ? value.toFixed(2) : value.toFixed(0)}`;
}

/** What `--dry-run` prints: counts, token volume and estimated cost per strategy, then per size. */
export function dryRunReport(plan: EstimatePlan, model: ModelFacts, subModel: ModelFacts): string {
  const perSize = plan.families.length * plan.instances;
  const instanceCount = perSize * plan.sizes.length;
  const contextTokens = plan.sizes.reduce((sum, size) => sum + size * perSize, 0);
  const lines = [
    `rlm-bench dry run: ${instanceCount} instances (${plan.families.join(', ')}; ${plan.sizes.map(formatTokens).join(', ')} tokens; ${plan.instances} per task and size), ${formatCount(contextTokens)} tokens of context in all.`,
    `Model ${model.id} (window ${formatTokens(model.contextWindow)}, ${model.pricing ? `$${model.pricing.inputPerMillion}/$${model.pricing.outputPerMillion} per M in/out` : 'price unknown'}); sub-model ${subModel.id}${subModel.id === model.id ? '' : ` (window ${formatTokens(subModel.contextWindow)}, ${subModel.pricing ? `$${subModel.pricing.inputPerMillion}/$${subModel.pricing.outputPerMillion} per M` : 'price unknown'})`}.`,
    '',
    '| strategy | runs | model calls | input tokens | output tokens | est. USD |',
    '|---|---|---|---|---|---|',
  ];
  let total: number | undefined = 0;
  for (const strategy of plan.strategies) {
    let calls = 0;
    let input = 0;
    let output = 0;
    let cost: number | undefined = 0;
    for (const size of plan.sizes) {
      const estimate = estimateTokens(strategy, size, model, subModel);
      const runCost = estimateCostUsd(strategy, size, model, subModel);
      calls += estimate.calls * perSize;
      input += estimate.inputTokens * perSize;
      output += estimate.outputTokens * perSize;
      cost = cost === undefined || runCost === undefined ? undefined : cost + runCost * perSize;
    }
    total = total === undefined || cost === undefined ? undefined : total + cost;
    lines.push(
      `| ${strategy} | ${instanceCount} | ${Math.round(calls)} | ${formatCount(input)} | ${formatCount(output)} | ${usd(cost)} |`,
    );
  }
  lines.push(`| **all** | ${instanceCount * plan.strategies.length} | | | | **${usd(total)}** |`, '');
  lines.push(`Estimated USD per size (all ${plan.families.length} tasks × ${plan.instances} instances):`, '');
  lines.push(
    `| size | ${plan.strategies.join(' | ')} | all |`,
    `|---|${plan.strategies.map(() => '---|').join('')}---|`,
  );
  for (const size of plan.sizes) {
    const costs = plan.strategies.map((strategy) => {
      const cost = estimateCostUsd(strategy, size, model, subModel);
      return cost === undefined ? undefined : cost * perSize;
    });
    const all = costs.some((cost) => cost === undefined)
      ? undefined
      : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0);
    lines.push(`| ${formatTokens(size)} | ${costs.map(usd).join(' | ')} | ${usd(all)} |`);
  }
  lines.push(
    '',
    'Assumptions (rough: a model that explores more or thinks longer costs more): 500 output tokens per direct answer; the base model reads',
    'min(size, window − 4K); the summary agent reads everything once in window-sized parts with ~4.5K of notes per part; CodeAct 6 turns',
    're-reading its cut context; RLM turns 8–10 re-reading a 2.5K prompt and a history growing 4K per turn; RLM sub-calls read the context',
    'once (×1.1) on the sub-model; depth 2 adds half again. No cache discounts. CodeQA sizes above the code base are capped (cheaper).',
  );
  return lines.join('\n');
}

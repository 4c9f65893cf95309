import type { RunUsage, UsageTotals } from '@rlm/core';
import { formatCost, formatDuration, formatTokens } from '../progress/format-numbers';

/** The closing line on stderr: how the run went and what it cost. */
export function summaryLine(outcome: {
  readonly status: string;
  readonly turns?: number;
  readonly durationMs: number;
  readonly usage?: RunUsage;
  readonly subCalls: number;
  readonly subCallsFailed?: number;
  readonly subCallsCancelled?: number;
  /** The `--embedding-model` as `provider:modelId`, the key of its calls in `usage.byModel`. */
  readonly embeddingModel?: string;
  /** `--cache` is on: the model calls are counted with those the cache answered, also when none. */
  readonly cacheOn?: boolean;
}): string {
  const parts = [outcome.status];
  if (outcome.turns !== undefined) parts.push(`${outcome.turns} turn${outcome.turns === 1 ? '' : 's'}`);
  parts.push(formatDuration(outcome.durationMs));
  const notDone = [
    outcome.subCallsFailed ? `${outcome.subCallsFailed} failed` : '',
    outcome.subCallsCancelled ? `${outcome.subCallsCancelled} cancelled` : '',
  ].filter(Boolean);
  parts.push(
    `${outcome.subCalls} sub-call${outcome.subCalls === 1 ? '' : 's'}${notDone.length > 0 ? ` (${notDone.join(', ')})` : ''}`,
  );
  const total = outcome.usage?.total;
  if (total && (outcome.cacheOn || total.cachedCalls > 0)) {
    const embeddings = outcome.embeddingModel ? outcome.usage?.byModel[outcome.embeddingModel] : undefined;
    parts.push(cachedCallsText(total, embeddings?.calls ?? 0));
  }
  if (total) {
    parts.push(`tokens ${formatTokens(total.inputTokens)} in, ${formatTokens(total.outputTokens)} out`);
    // The embedding calls of retrieve are in the totals too; say how much of them they are.
    const embeddings = outcome.embeddingModel ? outcome.usage?.byModel[outcome.embeddingModel] : undefined;
    if (embeddings && embeddings.calls > 0) {
      parts.push(
        `embeddings ${embeddings.calls} call${embeddings.calls === 1 ? '' : 's'}, ${formatTokens(embeddings.inputTokens)} tokens`,
      );
    }
    parts.push(
      total.callsWithUnknownCost === 0
        ? formatCost(total.costUsd)
        : total.callsWithUnknownCost === total.calls
          ? 'cost unknown (no known prices)'
          : `${formatCost(total.costUsd)} + unknown (${total.callsWithUnknownCost} call${total.callsWithUnknownCost === 1 ? '' : 's'} without a known price)`,
    );
  }
  return `rlm: ${parts.join(' · ')}`;
}

/**
 * `6 model calls (4 cached, $0.0340 saved)`: the calls the cache answered sent nothing and cost
 * nothing; their first cost is what they saved (left out when unknown). Embedding calls are not
 * model calls.
 */
export function cachedCallsText(total: UsageTotals, embeddingCalls = 0): string {
  const all = total.calls - embeddingCalls + total.cachedCalls;
  const saved = total.cachedCostUsd > 0 ? `, ${formatCost(total.cachedCostUsd)} saved` : '';
  return `${all} model call${all === 1 ? '' : 's'} (${total.cachedCalls} cached${saved})`;
}

/** One line per model with `--verbose`. */
export function usageByModelLines(usage: RunUsage | undefined): string[] {
  if (!usage) return [];
  return Object.entries(usage.byModel).map(
    ([model, totals]) =>
      `  ${model}: ${totals.calls} call${totals.calls === 1 ? '' : 's'}, ${formatTokens(totals.inputTokens)} in (${formatTokens(totals.cachedInputTokens)} cached), ${formatTokens(totals.outputTokens)} out, ${formatCost(totals.costUsd)}`,
  );
}

import type { ResultRecord } from '../run/result-record';
import type { StrategyName } from '../strategies/strategy';
import { STRATEGY_NAMES } from '../strategies/strategy';
import { TASK_FAMILIES, type TaskFamily } from '../tasks/bench-instance';

/** The results of one task × size × strategy. */
export interface ResultCell {
  readonly family: TaskFamily;
  readonly sizeTokens: number;
  readonly strategy: StrategyName;
  readonly instances: number;
  /** Mean score, 0–100. */
  readonly score: number;
  readonly minScore: number;
  readonly maxScore: number;
  /** Mean US dollars per instance. */
  readonly costUsd: number;
  /** Mean input + output tokens per instance. */
  readonly tokens: number;
  /** Median wall time per instance, in seconds. */
  readonly wallSeconds: number;
  /** Mean model calls per instance. */
  readonly calls: number;
  /** Mean sub-calls per instance. */
  readonly subCalls: number;
  /** Sub-calls that failed, in all. */
  readonly failedSubCalls: number;
  /** Instances that ended in an error (scored on their partial answer, if any). */
  readonly errors: number;
  /** Calls whose price was unknown (a local model): `costUsd` leaves them out. */
  readonly callsWithUnknownCost: number;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One cell per task × size × strategy present, in the order of the families, sizes and strategies. */
export function aggregateResults(records: readonly ResultRecord[]): ResultCell[] {
  const groups = new Map<string, ResultRecord[]>();
  for (const record of records) {
    const key = `${record.family} ${record.sizeTokens} ${record.strategy}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const cells: ResultCell[] = [];
  const sizes = [...new Set(records.map((record) => record.sizeTokens))].sort((a, b) => a - b);
  for (const family of TASK_FAMILIES) {
    for (const sizeTokens of sizes) {
      for (const strategy of STRATEGY_NAMES) {
        const group = groups.get(`${family} ${sizeTokens} ${strategy}`);
        if (!group) continue;
        const scores = group.map((record) => record.score * 100);
        cells.push({
          family,
          sizeTokens,
          strategy,
          instances: group.length,
          score: mean(scores),
          minScore: Math.min(...scores),
          maxScore: Math.max(...scores),
          costUsd: mean(group.map((record) => record.usage.costUsd)),
          tokens: mean(group.map((record) => record.usage.inputTokens + record.usage.outputTokens)),
          wallSeconds: median(group.map((record) => record.wallMs / 1000)),
          calls: mean(group.map((record) => record.usage.calls)),
          subCalls: mean(group.map((record) => record.usage.subCalls)),
          failedSubCalls: group.reduce((sum, record) => sum + record.usage.failedSubCalls, 0),
          errors: group.filter((record) => record.error !== null).length,
          callsWithUnknownCost: group.reduce((sum, record) => sum + record.usage.callsWithUnknownCost, 0),
        });
      }
    }
  }
  return cells;
}

/** A context size, a power of two as the paper writes them: `8192` → `8K`, `1048576` → `1M`; others as counts. */
export function formatTokens(tokens: number): string {
  if (tokens >= 1_048_576 && tokens % 1_048_576 === 0) return `${tokens / 1_048_576}M`;
  if (tokens >= 1_024 && tokens < 1_048_576 && tokens % 1_024 === 0) return `${tokens / 1_024}K`;
  return formatCount(tokens);
}

/** A token count in thousands or millions: `210_800` → `210.8K`, `4_100_000` → `4.1M`. */
export function formatCount(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(1)}M`;
  if (tokens >= 1_000) return `${(tokens / 1_000).toFixed(1)}K`;
  return String(Math.round(tokens));
}

import { existsSync, readFileSync } from 'node:fs';
import type { StrategyName, StrategyUsage } from '../strategies/strategy';
import type { GoldAnswer, TaskFamily } from '../tasks/bench-instance';

/** One line of results.jsonl: one instance under one strategy, finished. */
export interface ResultRecord {
  /** What makes results comparable: the same config key is the same experiment (see `configKey`). */
  readonly config: string;
  readonly instance: string;
  /**
   * SHA-256 of the instance's question and context: a rerun skips a run only when the instance is
   * the same (a CodeQA instance changes with the code base it is drawn from).
   */
  readonly instanceSha256: string;
  readonly family: TaskFamily;
  readonly sizeTokens: number;
  /** The context's actual size (CodeQA over a small code base may be smaller than asked). */
  readonly contextTokens: number;
  readonly index: number;
  readonly strategy: StrategyName;
  readonly model: string;
  readonly subModel: string;
  readonly question: string;
  readonly gold: GoldAnswer;
  readonly answer: string | null;
  readonly score: number;
  readonly usage: StrategyUsage;
  readonly wallMs: number;
  readonly error: string | null;
  /** The trajectory file, relative to the output folder. */
  readonly trajectory: string;
  readonly offline: boolean;
  readonly finishedAt: string;
}

/** The key of a run's settings that change results: a rerun with the same key resumes. */
export function configKey(parts: {
  readonly model: string;
  readonly subModel: string;
  readonly baseUrl: string | undefined;
  readonly contextWindow: number | undefined;
  readonly seed: number;
  readonly repo: string;
  readonly offline: boolean;
}): string {
  return [
    parts.offline ? 'offline' : 'live',
    parts.model,
    parts.subModel,
    parts.baseUrl ?? '-',
    parts.contextWindow ?? '-',
    `seed=${parts.seed}`,
    `repo=${parts.repo}`,
  ].join(' ');
}

/** The run key of one instance (its id and content hash) under one strategy. */
export function runKey(instance: string, instanceSha256: string, strategy: StrategyName): string {
  return `${instance} ${instanceSha256} ${strategy}`;
}

/**
 * The finished results in `path` (a missing file is none). A last line cut off by a killed process
 * is left out; any other line that does not parse is an error naming the line.
 */
export function readResults(path: string): ResultRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: ResultRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line) as ResultRecord);
    } catch (error) {
      if (index === lines.length - 1) return;
      throw new Error(
        `${path}, line ${index + 1}, is not JSON (${(error as Error).message}). Remove that line (or the file, to start over) and rerun.`,
      );
    }
  });
  return records;
}

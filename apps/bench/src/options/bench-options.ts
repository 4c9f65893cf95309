import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { STRATEGY_NAMES, type StrategyName } from '../strategies/strategy';
import { TASK_FAMILIES, type TaskFamily } from '../tasks/bench-instance';

/** Everything one `rlm-bench` command asks for, checked. */
export interface BenchOptions {
  readonly model: string | undefined;
  readonly subModel: string | undefined;
  readonly baseUrl: string | undefined;
  /** Overrides the model's context window (tokens): a local model's, or a smaller one to study. */
  readonly contextWindow: number | undefined;
  readonly maxRetries: number | undefined;
  readonly tasks: readonly TaskFamily[];
  readonly sizes: readonly number[];
  readonly strategies: readonly StrategyName[];
  /** Instances per task and size. */
  readonly instances: number;
  readonly seed: number;
  readonly repo: string;
  readonly out: string;
  readonly concurrency: number;
  readonly budgetUsd: number | undefined;
  readonly dryRun: boolean;
  readonly offline: boolean;
  readonly help: boolean;
}

/** A command line that cannot run; the message says what to change. Exit code 2. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** The sizes when none are given: 2^13 to 2^19 tokens, every other power of two (Figure 1 spans 2^13–2^18). */
export const DEFAULT_SIZES = [8_192, 32_768, 131_072, 524_288];
/** Offline runs check the harness at two small sizes. */
export const OFFLINE_SIZES = [8_192, 16_384];
/** The model the offline scripted server answers as, so that costs are priced (as gpt-5-mini). */
export const OFFLINE_MODEL = 'openai:gpt-5-mini';
/** The offline model's window: the 8K context fits, the 16K one does not (the base model must degrade). */
export const OFFLINE_CONTEXT_WINDOW = 16_384;

/** `8192`, `8k`, `2^13`, `1m` → tokens. */
export function parseSize(text: string): number {
  const trimmed = text.trim().toLowerCase();
  let value: number;
  const power = /^2\^(\d+)$/.exec(trimmed);
  const suffixed = /^(\d+(?:\.\d+)?)([km]?)$/.exec(trimmed);
  if (power) value = 2 ** Number(power[1]);
  else if (suffixed)
    value = Number(suffixed[1]) * (suffixed[2] === 'k' ? 1024 : suffixed[2] === 'm' ? 1024 * 1024 : 1);
  else value = Number.NaN;
  if (!Number.isInteger(value) || value < 1_024 || value > 2 ** 26) {
    throw new BenchUsageError(
      `--sizes: '${text}' is not a context size. Give tokens from 1k to 64m as 8192, 8k, 2^13 or 1m, separated by commas (e.g. --sizes 8k,32k,128k).`,
    );
  }
  return value;
}

function parseList<T extends string>(text: string, known: readonly T[], option: string): T[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new BenchUsageError(`${option} is empty. Give one or more of: ${known.join(', ')}.`);
  for (const item of items) {
    if (!known.includes(item as T)) {
      throw new BenchUsageError(
        `${option}: unknown '${item}'. Known: ${known.join(', ')} (comma-separated).`,
      );
    }
  }
  return [...new Set(items as T[])];
}

function parseNumber(
  text: string | undefined,
  option: string,
  check: { integer?: boolean; min: number },
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < check.min || (check.integer && !Number.isInteger(value))) {
    throw new BenchUsageError(
      `${option} must be ${check.integer ? 'a whole number' : 'a number'} of at least ${check.min}; got '${text}'.`,
    );
  }
  return value;
}

/** Parses `rlm-bench`'s arguments; throws {@link BenchUsageError} with what to change. */
export function parseBenchOptions(
  argv: readonly string[],
  defaults: { readonly repo: string },
): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        'sub-model': { type: 'string' },
        'base-url': { type: 'string' },
        'context-window': { type: 'string' },
        'max-retries': { type: 'string' },
        tasks: { type: 'string' },
        sizes: { type: 'string' },
        strategies: { type: 'string' },
        instances: { type: 'string' },
        seed: { type: 'string' },
        repo: { type: 'string' },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        budget: { type: 'string' },
        'dry-run': { type: 'boolean' },
        offline: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}. Run rlm-bench --help for the options.`);
  }
  const offline = values.offline === true;
  const text = (name: string) => values[name] as string | undefined;
  if (offline && text('base-url') !== undefined) {
    throw new BenchUsageError('--offline runs against its own scripted server: leave out --base-url.');
  }
  return {
    model: text('model') ?? (offline ? OFFLINE_MODEL : undefined),
    subModel: text('sub-model'),
    baseUrl: text('base-url'),
    contextWindow:
      parseNumber(text('context-window'), '--context-window', { integer: true, min: 4_096 }) ??
      (offline ? OFFLINE_CONTEXT_WINDOW : undefined),
    maxRetries: parseNumber(text('max-retries'), '--max-retries', { integer: true, min: 0 }),
    tasks:
      text('tasks') === undefined
        ? TASK_FAMILIES
        : parseList(text('tasks') as string, TASK_FAMILIES, '--tasks'),
    sizes:
      text('sizes') === undefined
        ? offline
          ? OFFLINE_SIZES
          : DEFAULT_SIZES
        : [...new Set((text('sizes') as string).split(',').filter(Boolean).map(parseSize))].sort(
            (a, b) => a - b,
          ),
    strategies:
      text('strategies') === undefined
        ? STRATEGY_NAMES
        : parseList(text('strategies') as string, STRATEGY_NAMES, '--strategies'),
    instances: parseNumber(text('instances'), '--instances', { integer: true, min: 1 }) ?? (offline ? 2 : 5),
    seed: parseNumber(text('seed'), '--seed', { integer: true, min: 0 }) ?? 1,
    repo: resolve(text('repo') ?? defaults.repo),
    out: resolve(text('out') ?? (offline ? '.rlm-bench/quality-offline' : '.rlm-bench/quality')),
    concurrency:
      parseNumber(text('concurrency'), '--concurrency', { integer: true, min: 1 }) ?? (offline ? 4 : 2),
    budgetUsd: parseNumber(text('budget'), '--budget', { min: 0 }),
    dryRun: values['dry-run'] === true,
    offline,
    help: values.help === true,
  };
}

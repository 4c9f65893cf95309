import type { ReplEnvironment } from '../environment/repl-environment';
import {
  BENCHMARK_STRING_WORK,
  makeBenchmarkLines,
  PYTHON_BENCHMARK_STRING_WORK,
  stringWorkCells,
} from './benchmark-context';
import { benchmarkHostFunctions } from './benchmark-host-functions';
import { measure } from './measure';
import { type Stats, summarize } from './stats';
import { timeSessionStart } from './time-session-start';

/** What {@link benchEnvironment} measures, and how often. */
export interface BenchEnvironmentOptions {
  /** Measured runs of each row; the empty cell, the cheapest, gets ten times as many. Default 7. */
  readonly runs?: number;
  /** Unmeasured runs before each row (ten times as many for the empty cell). Default 1. */
  readonly warmup?: number;
  /**
   * Sizes of the contexts whose injection is timed, in MB of 10^6 characters. The largest is also
   * the context of the session the cells run in. Default `[1, 10, 50]`.
   */
  readonly contextSizesMb?: readonly number[];
  /** Builds a context of `characters` characters. Default: OOLONG-like lines (`makeBenchmarkLines`). */
  readonly makeContext?: (characters: number) => string;
  /** How long each `llm_query` of the concurrency row takes, in milliseconds. Default 200. */
  readonly llmQueryLatencyMs?: number;
  /**
   * Cells timed in the session on the largest context, by row name. Default the string work of
   * `BENCHMARK_STRING_WORK`, named with the context's size by `stringWorkCells` (`regex count (50 MB)`).
   */
  readonly cells?: Readonly<Record<string, string>>;
  /** Wall-clock limit of each cell, in milliseconds. Default 120,000. */
  readonly timeoutMs?: number;
  /** Called with each row as soon as it is measured, e.g. to show progress. */
  readonly onRow?: (row: Stats, environmentName: string) => void;
}

/**
 * Measures any `ReplEnvironment` the same way, so that environments (ours and plugin authors') can
 * be compared row by row: session start with an empty context, context injection at each size, the
 * empty cell's round trip, the overhead of one awaited host call, 16 concurrent `llm_query` calls
 * through `Promise.all`, and string work over the largest context. Every row is wall-clock
 * milliseconds seen by the host, as the median and spread of `runs` runs after a warm-up.
 *
 * `factory` is called once; the environment is disposed at the end. A cell that fails throws,
 * naming the environment (`name`) and the cell, since a benchmark of a failure means nothing.
 *
 * ```ts
 * const rows = await benchEnvironment('quickjs', () => createQuickJSEnvironment({ memoryLimitBytes: 2 ** 30 }));
 * console.log(formatStatsTable(rows));
 * ```
 */
export async function benchEnvironment(
  name: string,
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
  options: BenchEnvironmentOptions = {},
): Promise<Stats[]> {
  const runs = options.runs ?? 7;
  const warmup = options.warmup ?? 1;
  const sizesMb = options.contextSizesMb ?? [1, 10, 50];
  const makeContext = options.makeContext ?? makeBenchmarkLines;
  const latencyMs = options.llmQueryLatencyMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const hostFunctions = benchmarkHostFunctions(latencyMs);
  const rows: Stats[] = [];
  const add = (row: Stats) => {
    rows.push(row);
    options.onRow?.(row, name);
  };

  const environment = await factory();
  // The same rows in the environment's own language.
  const python = environment.language === 'python';
  const cellsOf = {
    hostCalls: python
      ? 'for _ in range(100):\n    await noop()'
      : 'for (let i = 0; i < 100; i++) await noop();',
    concurrent: python
      ? 'len(await __import__("asyncio").gather(*[llm_query(f"q{i}") for i in range(16)]))'
      : 'await Promise.all(Array.from({ length: 16 }, (_, i) => llm_query("q" + i))).then((answers) => answers.length)',
  };
  try {
    const timeStart = (context: string) => timeSessionStart(environment, { context, hostFunctions });
    add(summarize('session start (empty context)', await measure(runs, warmup, () => timeStart(''))));
    const largestMb = sizesMb.length > 0 ? Math.max(...sizesMb) : 0;
    let largest = '';
    for (const megabytes of sizesMb) {
      const context = makeContext(Math.round(megabytes * 1_000_000));
      if (megabytes === largestMb) largest = context;
      add(
        summarize(
          `context injection (${megabytes} MB)`,
          await measure(runs, warmup, () => timeStart(context)),
        ),
      );
    }

    const session = await environment.createSession({ context: largest, hostFunctions });
    try {
      const timeCell = async (code: string, expectedValue?: string) => {
        const started = performance.now();
        const result = await session.runCell(code, { timeoutMs });
        const elapsed = performance.now() - started;
        if (result.error) {
          throw new Error(
            `${name}: a benchmark cell failed: ${code}\n${result.error.name}: ${result.error.message}`,
          );
        }
        if (expectedValue !== undefined && result.value !== expectedValue) {
          throw new Error(
            `${name}: a benchmark cell gave ${String(result.value)}, not ${expectedValue}: ${code}`,
          );
        }
        return elapsed;
      };
      add(
        summarize('empty cell round trip', await measure(runs * 10, warmup * 10, () => timeCell('1', '1'))),
      );
      add(
        summarize(
          'host-call overhead (one awaited no-op, per call of 100)',
          await measure(runs, warmup, async () => (await timeCell(cellsOf.hostCalls)) / 100),
        ),
      );
      add(
        summarize(
          `16 concurrent ${latencyMs} ms llm_query`,
          await measure(runs, warmup, () => timeCell(cellsOf.concurrent, '16')),
        ),
      );
      const cells =
        options.cells ??
        stringWorkCells(largestMb, python ? PYTHON_BENCHMARK_STRING_WORK : BENCHMARK_STRING_WORK);
      for (const [row, code] of Object.entries(cells)) {
        add(summarize(row, await measure(runs, warmup, () => timeCell(code))));
      }
    } finally {
      await session.dispose();
    }
  } finally {
    await environment.dispose?.();
  }
  return rows;
}

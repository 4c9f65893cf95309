/**
 * The four REPL environments (three JavaScript, one Python) side by side on the same generated contexts, each measured by
 * `benchEnvironment` from `@rlm/core/benchmark`, with plain host V8 as the baseline for string work.
 * Prints one markdown table (median and p25–p75 of repeated runs, ms).
 *
 * Run: pnpm --filter @rlm/integration-tests bench:environments
 * (isolated-vm needs --no-node-snapshot on Node 20+; the script passes it.)
 * BENCH_ENVIRONMENTS=quickjs (a comma-separated list) runs only those; BENCH_REPEATS sets the runs.
 * quickjs-calling-thread (QuickJS with workerThread: false) is run only when named there.
 */
import os from 'node:os';
import type { ReplEnvironment } from '@rlm/core';
import {
  BENCHMARK_STRING_WORK,
  benchEnvironment,
  formatStatsComparison,
  measure,
  type Stats,
  summarize,
} from '@rlm/core/benchmark';
import { createDenoEnvironment } from '@rlm/env-deno';
import { createIsolatedVMEnvironment } from '@rlm/env-isolated-vm';
import { createPyodideEnvironment } from '@rlm/env-pyodide';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { generateOolongContext } from '../src/oolong-context';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const SIZES_MB = [1, 10, 50] as const;
const LARGEST_MB = Math.max(...SIZES_MB);

const allEnvironments: Record<string, () => ReplEnvironment> = {
  quickjs: () => createQuickJSEnvironment({ memoryLimitBytes: 1024 * 1024 * 1024 }),
  // The calling-thread mode: the yardstick for what the worker thread costs.
  'quickjs-calling-thread': () =>
    createQuickJSEnvironment({ memoryLimitBytes: 1024 * 1024 * 1024, workerThread: false }),
  'isolated-vm': () => createIsolatedVMEnvironment({ memoryLimitMb: 1024 }),
  deno: () => createDenoEnvironment({ memoryLimitMb: 2048, keepSpareProcess: false }),
  // Python cells (benchEnvironment follows the environment's language); each session a new process
  // started from the snapshot, as Deno's are cold processes.
  pyodide: () => createPyodideEnvironment({ memoryLimitMb: 2048, keepSpareProcess: false }),
};
const chosen = process.env.BENCH_ENVIRONMENTS?.split(',') ?? ['quickjs', 'isolated-vm', 'deno', 'pyodide'];
for (const name of chosen) {
  if (!allEnvironments[name]) {
    throw new Error(`unknown environment ${name}: use ${Object.keys(allEnvironments).join(', ')}`);
  }
}

// Generated once: every environment gets the same texts.
const contexts = new Map<number, string>();
const makeContext = (characters: number) => {
  let text = contexts.get(characters);
  if (text === undefined) {
    text = generateOolongContext(characters).text;
    contexts.set(characters, text);
  }
  return text;
};

const columns: Record<string, Stats[]> = {};
for (const name of chosen) {
  columns[name] = await benchEnvironment(name, allEnvironments[name]!, {
    runs: REPEATS,
    contextSizesMb: SIZES_MB,
    makeContext,
    onRow: (row, environment) => console.error(`${environment}: ${row.name} ${row.median.toFixed(3)} ms`),
  });
}

// Plain V8 in the host: what native speed looks like for the same string work.
const largest = makeContext(LARGEST_MB * 1_000_000);
columns['host V8'] = [];
for (const [label, code] of Object.entries(BENCHMARK_STRING_WORK)) {
  const work = new Function('context', `return (${code});`) as (context: string) => unknown;
  const samples = await measure(REPEATS, 1, async () => {
    const started = performance.now();
    work(largest);
    return performance.now() - started;
  });
  columns['host V8'].push(summarize(`${label} (${LARGEST_MB} MB)`, samples));
}

console.log(`\nREPL environments side by side: median (p25–p75) in ms, ${REPEATS} runs after a warm-up`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}\n`,
);
console.log(formatStatsComparison(columns));
process.exit(0);

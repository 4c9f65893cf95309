/**
 * The three REPL environments side by side on the same generated contexts, with plain host V8 as the
 * baseline for string work. Prints one markdown table (median and p10–p90 of repeated runs, ms).
 *
 * Run: pnpm --filter @rlm/integration-tests bench:environments
 * (isolated-vm needs --no-node-snapshot on Node 20+; the script passes it.)
 */
import os from 'node:os';
import type { HostFunction, ReplEnvironment, ReplSession } from '@rlm/core';
import { createDenoEnvironment } from '@rlm/env-deno';
import { createIsolatedVMEnvironment } from '@rlm/env-isolated-vm';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { generateOolongContext } from '../src/oolong-context';
import { type Summary, summarize } from './statistics';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const SIZES_MB = [1, 10, 50] as const;

const environments: Record<string, ReplEnvironment> = {
  quickjs: createQuickJSEnvironment({ memoryLimitBytes: 1024 * 1024 * 1024 }),
  'isolated-vm': createIsolatedVMEnvironment({ memoryLimitMb: 1024 }),
  deno: createDenoEnvironment({ memoryLimitMb: 2048, keepSpareProcess: false }),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hostFunctions: Record<string, HostFunction> = {
  noop: async () => null,
  llm_query: async ([prompt]) => {
    await sleep(200);
    return `answer:${String(prompt)}`;
  },
};

async function repeat(times: number, once: () => Promise<number>): Promise<Summary> {
  await once(); // warm-up
  const samples: number[] = [];
  for (let index = 0; index < times; index++) samples.push(await once());
  return summarize(samples);
}

/** Runs a cell and returns its wall-clock time; a failing cell aborts the benchmark loudly. */
async function timeCell(session: ReplSession, code: string): Promise<number> {
  const started = performance.now();
  const result = await session.runCell(code, { timeoutMs: 120_000 });
  const elapsed = performance.now() - started;
  if (result.error) throw new Error(`cell failed: ${code}\n${result.error.name}: ${result.error.message}`);
  return elapsed;
}

const contexts = new Map<number, string>();
for (const megabytes of SIZES_MB) contexts.set(megabytes, generateOolongContext(megabytes * 1_000_000).text);
const largest = contexts.get(50)!;

const STRING_WORK = {
  'regex count (50 MB)': 'context.match(/User: 1\\d{4}/g).length',
  'split lines (50 MB)': 'context.split("\\n").length',
  'indexOf near the end (50 MB)': 'context.indexOf("Instance", context.length - 2000)',
} as const;

const rows = new Map<string, Map<string, Summary>>();
const put = (row: string, column: string, summary: Summary) => {
  if (!rows.has(row)) rows.set(row, new Map());
  rows.get(row)!.set(column, summary);
};

// Plain V8 in the host: what native speed looks like for the same string work.
for (const [name, code] of Object.entries(STRING_WORK)) {
  const work = new Function('context', `return (${code});`) as (context: string) => unknown;
  put(
    name,
    'host V8',
    await repeat(REPEATS, async () => {
      const started = performance.now();
      work(largest);
      return performance.now() - started;
    }),
  );
}

for (const [environmentName, environment] of Object.entries(environments)) {
  for (const megabytes of SIZES_MB) {
    const context = contexts.get(megabytes)!;
    put(
      `context injection (${megabytes} MB)`,
      environmentName,
      await repeat(REPEATS, async () => {
        const started = performance.now();
        const session = await environment.createSession({ context, hostFunctions });
        const elapsed = performance.now() - started;
        await session.dispose();
        return elapsed;
      }),
    );
  }
  const session = await environment.createSession({ context: largest, hostFunctions });
  try {
    put('empty cell round trip', environmentName, await repeat(REPEATS * 10, () => timeCell(session, '1')));
    put(
      'host-call overhead (one awaited no-op, per call of 100)',
      environmentName,
      await repeat(
        REPEATS,
        async () => (await timeCell(session, 'for (let i = 0; i < 100; i++) await noop();')) / 100,
      ),
    );
    put(
      '16 concurrent 200 ms llm_query',
      environmentName,
      await repeat(REPEATS, () =>
        timeCell(session, 'await Promise.all(Array.from({ length: 16 }, (_, i) => llm_query("q" + i)))'),
      ),
    );
    for (const [name, code] of Object.entries(STRING_WORK)) {
      put(name, environmentName, await repeat(REPEATS, () => timeCell(session, code)));
    }
  } finally {
    await session.dispose();
  }
}

const columns = ['quickjs', 'isolated-vm', 'deno', 'host V8'];
const cell = (summary: Summary | undefined) =>
  summary
    ? `${summary.median.toFixed(summary.median < 10 ? 2 : 0)} (${summary.p10.toFixed(summary.p10 < 10 ? 2 : 0)}–${summary.p90.toFixed(summary.p90 < 10 ? 2 : 0)})`
    : '–';
console.log(`\nREPL environments side by side: median (p10–p90) in ms, ${REPEATS} runs after a warm-up`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}\n`,
);
console.log(`| measurement | ${columns.join(' | ')} |`);
console.log(`|---|${columns.map(() => '---').join('|')}|`);
for (const [row, values] of rows)
  console.log(`| ${row} | ${columns.map((column) => cell(values.get(column))).join(' | ')} |`);
process.exit(0);

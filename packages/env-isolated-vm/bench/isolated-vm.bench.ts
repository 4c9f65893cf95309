/**
 * Benchmarks of the isolated-vm environment. Run: `pnpm --filter @rlm/env-isolated-vm bench [runs]`
 * (default 7; the script starts Node with --no-node-snapshot, which isolated-vm needs;
 * `BENCH_SIZES_MB=1,10,50` sets the context sizes, the largest also that of the string work).
 * Prints the median and spread (min, p25, p75, max) of repeated runs, in milliseconds: the standard
 * rows of `benchEnvironment`, then isolated-vm's own — the bare transfer of a string into an isolate
 * two ways and the isolate's heap after it, the other kinds of context, a count written two ways
 * (every top-level read of `context` goes through the prelude's accessor), and each piece of string
 * work in host V8 with the ratio isolate / host.
 */

import {
  BENCHMARK_STRING_WORK,
  benchContextKinds,
  benchEnvironment,
  benchOnHost,
  benchSettings,
  formatMilliseconds,
  formatStatsTable,
  makeBenchmarkLines,
  measure,
  type Stats,
  stringWorkCells,
  summarize,
} from '@rlm/core/benchmark';
import { createIsolatedVMEnvironment } from '../src/index';
import { loadIsolatedVM } from '../src/load-isolated-vm';

const { runs, contextSizesMb, largestMb } = benchSettings();
const memoryLimitMb = 1024;

/** A count of 'Where is' by indexOf, as a top-level loop and in a function that reads `context` once. */
const INDEXOF_COUNT = {
  'indexOf count, top-level loop on context':
    "let found = 0;\nfor (let at = context.indexOf('Where is'); at !== -1; at = context.indexOf('Where is', at + 1)) found++;\nfound",
  'indexOf count, in a function, context read once':
    "(() => { const text = context; let found = 0;\nfor (let at = text.indexOf('Where is'); at !== -1; at = text.indexOf('Where is', at + 1)) found++;\nreturn found; })()",
};

/** The bare transfer of a string into an isolate, two ways, to choose between them. */
async function transferRows(text: string): Promise<Stats[]> {
  const ivm = await loadIsolatedVM();
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  const context = await isolate.createContext();
  const keep = await context.eval('(function (value) { globalThis.kept = value; return value.length; })', {
    reference: true,
  });
  const asArgument = await measure(runs, 1, async () => {
    const started = performance.now();
    await keep.apply(undefined, [text]);
    return performance.now() - started;
  });
  const asExternalCopy = await measure(runs, 1, async () => {
    const started = performance.now();
    await keep.apply(undefined, [new ivm.ExternalCopy(text).copyInto({ release: true })]);
    return performance.now() - started;
  });
  const heap = await isolate.getHeapStatistics();
  isolate.dispose();
  const megabytes = text.length / 1_000_000;
  return [
    summarize(
      `transfer only: ${megabytes} MB string as an apply argument`,
      asArgument,
      'what the environment does',
    ),
    summarize(
      `transfer only: ${megabytes} MB string through ExternalCopy.copyInto`,
      asExternalCopy,
      `isolate after: heap ${Math.round(heap.used_heap_size / 2 ** 20)} MiB, external ${Math.round(heap.externally_allocated_size / 2 ** 20)} MiB (limit ${memoryLimitMb})`,
    ),
  ];
}

const cells = stringWorkCells(largestMb, { ...BENCHMARK_STRING_WORK, ...INDEXOF_COUNT });
const rows = await benchEnvironment('isolated-vm', () => createIsolatedVMEnvironment({ memoryLimitMb }), {
  runs,
  contextSizesMb,
  cells,
  onRow: (row) => console.error(`${row.name}: ${formatMilliseconds(row.median)} ms`),
});
const text = makeBenchmarkLines(largestMb * 1_000_000);
rows.push(...(await transferRows(text)));
const kinds = createIsolatedVMEnvironment({ memoryLimitMb });
rows.push(...(await benchContextKinds(kinds, { megabytes: largestMb, runs: Math.min(runs, 5) })));
await kinds.dispose?.();
// The top-level loop is statements, not an expression: on the host it is the same as in a function.
const expressions = Object.fromEntries(Object.entries(cells).filter(([name]) => !name.includes('top-level')));
const onHost = await benchOnHost(text, expressions, { runs });
rows.push(...onHost);

const median = (name: string) => rows.find((row) => row.name === name)?.median ?? Number.NaN;
const ratios = Object.keys(cells).map((name) => {
  const host = `${name.replace('top-level loop on context', 'in a function, context read once')}, host V8`;
  return `${name}: ${(median(name) / median(host)).toFixed(2)}x`;
});

console.log(
  `isolated-vm environment benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`,
);
console.log(formatStatsTable(rows));
console.log(`\nisolate / host V8, medians: ${ratios.join(', ')}`);

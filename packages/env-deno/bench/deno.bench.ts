/**
 * Benchmarks of the Deno environment. Run: `pnpm --filter @rlm/env-deno bench [runs]` (default 7;
 * `BENCH_SIZES_MB=1,10,50` sets the context sizes, the largest also that of the string work).
 * Prints the median and spread (min, p25, p75, max) of repeated runs, in milliseconds: the standard
 * rows of `benchEnvironment` (each session a cold Deno process), then Deno's own — the start of a
 * session on the spare process booted in advance (the default), the other kinds of context, and the
 * string work in host V8 for comparison (Deno runs the same V8, natively).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import * as bench from '@rlm/core/benchmark';
import { createDenoEnvironment } from '../src/index';

const { runs, contextSizesMb, largestMb } = bench.benchSettings();
const cold = () => createDenoEnvironment({ memoryLimitMb: 4096, keepSpareProcess: false });

const rows = await bench.benchEnvironment('deno', cold, {
  runs,
  contextSizesMb,
  onRow: (row) => console.error(`${row.name}: ${bench.formatMilliseconds(row.median)} ms`),
});

// Sessions of an RLM run start seconds apart: the spare process has booted by then.
const withSpare = createDenoEnvironment({ memoryLimitMb: 4096 });
const hostFunctions = bench.benchmarkHostFunctions();
const spareStart = await bench.measure(runs, 1, async () => {
  await sleep(400);
  return bench.timeSessionStart(withSpare, { context: '', hostFunctions });
});
rows.push(
  bench.summarize('session start on the spare process (the default)', spareStart, 'prelude loaded, ready'),
);
await withSpare.dispose?.();

const kinds = cold();
rows.push(...(await bench.benchContextKinds(kinds, { megabytes: largestMb, runs: Math.min(runs, 3) })));
await kinds.dispose?.();
rows.push(
  ...(await bench.benchOnHost(
    bench.makeBenchmarkLines(largestMb * 1_000_000),
    bench.stringWorkCells(largestMb),
    { runs },
  )),
);

console.log(`Deno environment benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`);
console.log(bench.formatStatsTable(rows));

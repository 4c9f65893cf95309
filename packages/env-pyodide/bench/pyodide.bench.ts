/**
 * Benchmarks of the Pyodide environment. Run: `pnpm --filter @rlm/env-pyodide bench [runs]` (default
 * 7; `BENCH_SIZES_MB=1,10,50` sets the context sizes, the largest also that of the string work).
 * Prints the median and spread (min, p25, p75, max) of repeated runs, in milliseconds: the standard
 * rows of `benchEnvironment` with Python cells (each session a new process started from the
 * snapshot, no spare), then Pyodide's own: a cold start (Pyodide loaded without a snapshot), the
 * start of a session on the spare interpreter booted in advance (the default), and the injection of
 * each context size on the spare.
 */

import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import * as bench from '@rlm/core/benchmark';
import { createPyodideEnvironment } from '../src/index';

const { runs, contextSizesMb } = bench.benchSettings();
/** Long enough for the spare to boot from the snapshot between two sessions on a loaded machine. */
const SPARE_BOOT_MS = Number(process.env.BENCH_SPARE_WAIT_MS ?? 3_000);
const hostFunctions = bench.benchmarkHostFunctions();

const rows = await bench.benchEnvironment(
  'pyodide',
  () => createPyodideEnvironment({ memoryLimitMb: 2048, keepSpareProcess: false }),
  {
    runs,
    contextSizesMb,
    onRow: (row) => console.error(`${row.name}: ${bench.formatMilliseconds(row.median)} ms`),
  },
);

// Cold: what a machine's first session pays (no snapshot, no spare).
const cold = createPyodideEnvironment({ keepSpareProcess: false, snapshot: false, snapshotDirectory: null });
rows.push(
  bench.summarize(
    'session start, cold (load Pyodide, no snapshot)',
    await bench.measure(Math.min(runs, 3), 0, () =>
      bench.timeSessionStart(cold, { context: '', hostFunctions }),
    ),
  ),
);
await cold.dispose();

// Sessions of an RLM run start seconds apart: the spare interpreter has booted by then.
const withSpare = createPyodideEnvironment({ memoryLimitMb: 2048 });
await bench.timeSessionStart(withSpare, { context: '', hostFunctions });
const onSpare = async (context: string) => {
  await sleep(SPARE_BOOT_MS);
  return bench.timeSessionStart(withSpare, { context, hostFunctions });
};
rows.push(
  bench.summarize(
    'session start on the spare (the default)',
    await bench.measure(runs, 0, () => onSpare('')),
  ),
);
for (const megabytes of contextSizesMb) {
  const context = bench.makeBenchmarkLines(Math.round(megabytes * 1_000_000));
  rows.push(
    bench.summarize(
      `context injection on the spare (${megabytes} MB)`,
      await bench.measure(runs, 0, () => onSpare(context)),
    ),
  );
}
await withSpare.dispose();

console.log(
  `Pyodide environment benchmarks (Node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus()[0]?.model ?? 'unknown'} ×${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(1)})\n`,
);
console.log(bench.formatStatsTable(rows));
process.exit(0);

/**
 * Scheduling cost of the run tree's concurrency limiter and of a whole fan-out (issue 9, finding 3):
 * at 1k / 5k / 20k / 50k queued sub-calls, the time to queue them all and the worst event-loop
 * block while they run.
 *
 * - `limiter`: `ConcurrencyLimiter.run` with one shared abort signal (as the loop queues sub-calls),
 *   cap 16; each task ends on the next macrotask.
 * - `run`: a whole `completion` through QuickJS whose one cell calls `llm_query_batched` with N
 *   prompts; a `MockLanguageModel` answers at once. "schedule" there is the time from the cell's
 *   start to the last sub-call's start event.
 *
 * Run (from the repository root):
 *   pnpm --filter @rlm/integration-tests exec tsx ../core/bench/limiter.bench.ts [--impl DIR] [--sizes 1000,5000] [--runs 5] [--only limiter|run]
 * `--impl` is another copy's `packages/core/src` (e.g. a worktree of an older commit), measured the
 * same way; QuickJS comes from this repository.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarize } from '../src/benchmark/index';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1]!;
};
const implementation = path.resolve(argument('impl', path.join(import.meta.dirname, '../src')));
const sizes = argument('sizes', '1000,5000,20000,50000').split(',').map(Number);
const runs = Number(argument('runs', '5'));
const only = argument('only', '');

const load = async <T>(relative: string): Promise<T> =>
  (await import(pathToFileURL(path.join(implementation, relative)).href)) as T;
const { ConcurrencyLimiter } = await load<typeof import('../src/limits/concurrency-limiter')>(
  'limits/concurrency-limiter.ts',
);
const { createRLM } = await load<typeof import('../src/loop/create-rlm')>('loop/create-rlm.ts');
const { MockLanguageModel } = await load<typeof import('../src/testing/mock-language-model')>(
  'testing/mock-language-model.ts',
);
const { createQuickJSEnvironment } = (await import(
  pathToFileURL(path.join(import.meta.dirname, '../../env-quickjs/src/index.ts')).href
)) as typeof import('../../env-quickjs/src/index');

/**
 * Watches the event loop: a 1 ms timer chain records the longest gap between its ticks, less the
 * 1 ms asked for: the longest time the loop could not run a timer.
 */
function watchEventLoop(): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    stop() {
      clearTimeout(timer);
      return Math.max(worst, performance.now() - last - 1, 0);
    },
  };
}

/** The worst event-loop block, in ms, while `work` runs. */
async function worstBlock<T>(work: () => Promise<T>): Promise<{ result: T; worstMs: number }> {
  const watch = watchEventLoop();
  const result = await work();
  return { result, worstMs: watch.stop() };
}

async function limiterOnce(count: number): Promise<{ scheduleMs: number; worstMs: number }> {
  const limiter = new ConcurrencyLimiter(16);
  const controller = new AbortController();
  let scheduleMs = 0;
  const { worstMs } = await worstBlock(async () => {
    const started = performance.now();
    const tasks = Array.from({ length: count }, () =>
      limiter.run(() => new Promise<void>((resolve) => setImmediate(resolve)), controller.signal),
    );
    scheduleMs = performance.now() - started;
    await Promise.all(tasks);
  });
  return { scheduleMs, worstMs };
}

async function runOnce(count: number): Promise<{ scheduleMs: number; worstMs: number }> {
  const model = new MockLanguageModel({
    responses: [
      `Go.\n\`\`\`javascript\nconst answers = await llm_query_batched(Array.from({ length: ${count} }, (_, i) => "p" + i));\nFINAL(answers.length)\n\`\`\``,
    ],
  });
  const subModel = new MockLanguageModel({ responses: () => 'a' });
  let cellStarted = 0;
  let lastSubCallStarted = 0;
  let worstMs = 0;
  const rlm = createRLM({ model, subModel, environment: createQuickJSEnvironment() });
  // The worst block while the cell runs (sandbox start-up, a one-off WebAssembly compile, is not fan-out).
  let watch: { stop(): number } | undefined;
  const result = await rlm.completion('q', {
    context: 'c',
    onEvent: (event) => {
      if (event.type === 'cell-start') {
        cellStarted = performance.now();
        watch = watchEventLoop();
      }
      if (event.type === 'sub-call-start') lastSubCallStarted = performance.now();
      if (event.type === 'cell-end') worstMs = watch?.stop() ?? 0;
    },
  });
  if (result.answer !== String(count)) throw new Error(`expected ${count} answers, got ${result.answer}`);
  return { scheduleMs: lastSubCallStarted - cellStarted, worstMs };
}

const rows: string[] = [];
const cell = (samples: number[]) => {
  const stats = summarize('', samples);
  return `${stats.median.toFixed(1)} (${stats.min.toFixed(1)}–${stats.max.toFixed(1)})`;
};
for (const [name, once] of [
  ['limiter', limiterOnce],
  ['run', runOnce],
] as const) {
  if (only && name !== only) continue;
  for (const size of sizes) {
    await once(Math.min(size, 1000)); // warm-up
    const schedule: number[] = [];
    const worst: number[] = [];
    for (let round = 0; round < runs; round++) {
      const sample = await once(size);
      schedule.push(sample.scheduleMs);
      worst.push(sample.worstMs);
    }
    const row = `| ${name} | ${size.toLocaleString('en-US')} | ${cell(schedule)} | ${cell(worst)} | ${runs} |`;
    rows.push(row);
    console.log(row);
  }
}
console.log(
  `\nimplementation: ${implementation}\nnode ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(
      ' ',
    )}\n| what | queued sub-calls | schedule ms, median (min–max) | worst event-loop block ms, median (min–max) | runs |\n|---|---|---|---|---|\n${rows.join('\n')}`,
);

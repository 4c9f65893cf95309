/**
 * What the worker thread costs: the same cells in a worker-thread session and in a main-thread one
 * (`workerThread: false`), in the same process, in alternating rounds (A, B, B, A, …), so that both
 * see the same load. Prints, per mode, the median over rounds of each round's median, its spread
 * (min–max over rounds), and the worker/main-thread ratio taken round by round.
 *
 * Run: `pnpm --filter @rlm/env-quickjs bench:worker`
 * Settings (environment variables): ROUNDS (default 7), CONTEXT_MB (default 50), MODES (default
 * `worker,local`), BUSY=0 to skip the busy-cell figures, INJECTION=0 to skip the 50 MB injection.
 */

import type { HostFunction, ReplEnvironment, ReplSession } from '@rlm/core';
import { summarize } from '@rlm/core/benchmark';
import { createQuickJSEnvironment } from '../src/index';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const CONTEXT_MB = Number(process.env.CONTEXT_MB ?? 50);
const MODES = (process.env.MODES ?? 'worker,local').split(',') as ('worker' | 'local')[];
const BUSY = process.env.BUSY !== '0';
const INJECTION = process.env.INJECTION !== '0';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hostFunctions: Record<string, HostFunction> = {
  noop: async () => null,
  llm_query: async ([prompt]) => {
    await sleep(200);
    return `answer:${String(prompt)}`;
  },
};

/** OOLONG-like lines, about 100 characters each. */
function makeLines(totalChars: number): string {
  const labels = ['What is', 'Who was', 'Where is', 'How many', 'When did'];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < totalChars; i++) {
    const line = `Date: Mar ${String((i % 28) + 1).padStart(2, '0')}, 2024 || User: ${String(10000 + ((i * 7919) % 90000))} || Instance: ${labels[i % labels.length]} item ${i}?`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, totalChars);
}

const median = (samples: readonly number[]) => summarize('', samples).median;

async function timeCell(session: ReplSession, code: string): Promise<number> {
  const started = performance.now();
  const result = await session.runCell(code, { timeoutMs: 120_000 });
  const elapsed = performance.now() - started;
  if (result.error) throw new Error(`cell failed: ${code}\n${result.error.name}: ${result.error.message}`);
  return elapsed;
}

async function samples(times: number, once: () => Promise<number>): Promise<number[]> {
  const taken: number[] = [];
  for (let index = 0; index < times; index++) taken.push(await once());
  return taken;
}

const context = makeLines(CONTEXT_MB * 1_000_000);
const environments = new Map<string, ReplEnvironment>(
  MODES.map((mode) => [
    mode,
    createQuickJSEnvironment({ memoryLimitBytes: 1024 * 1024 * 1024, workerThread: mode === 'worker' }),
  ]),
);
const sessions = new Map<string, ReplSession>();
for (const [mode, environment] of environments) {
  const session = await environment.createSession({ context, hostFunctions });
  sessions.set(mode, session);
  for (let index = 0; index < 200; index++) await timeCell(session, '1');
  for (let index = 0; index < 3; index++)
    await timeCell(session, 'for (let i = 0; i < 100; i++) await noop();');
}

type Row =
  | 'empty cell'
  | 'host-call overhead (per call of 100)'
  | '16 concurrent 200 ms llm_query'
  | 'context injection (50 MB)';
const figures = new Map<string, Map<Row, number[]>>();
const record = (mode: string, row: Row, value: number) => {
  if (!figures.has(mode)) figures.set(mode, new Map());
  const rows = figures.get(mode)!;
  if (!rows.has(row)) rows.set(row, []);
  rows.get(row)!.push(value);
};
const injected = INJECTION ? makeLines(50_000_000) : '';

for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? MODES : [...MODES].reverse();
  for (const mode of order) {
    const session = sessions.get(mode)!;
    record(mode, 'empty cell', median(await samples(300, () => timeCell(session, '1'))));
    record(
      mode,
      'host-call overhead (per call of 100)',
      median(
        await samples(
          15,
          async () => (await timeCell(session, 'for (let i = 0; i < 100; i++) await noop();')) / 100,
        ),
      ),
    );
    record(
      mode,
      '16 concurrent 200 ms llm_query',
      median(
        await samples(2, () =>
          timeCell(session, 'await Promise.all(Array.from({ length: 16 }, (_, i) => llm_query("q" + i)))'),
        ),
      ),
    );
    if (INJECTION) {
      const environment = environments.get(mode)!;
      record(
        mode,
        'context injection (50 MB)',
        median(
          await samples(2, async () => {
            const started = performance.now();
            const fresh = await environment.createSession({ context: injected, hostFunctions });
            const elapsed = performance.now() - started;
            await fresh.dispose();
            return elapsed;
          }),
        ),
      );
    }
  }
}

const format = (ms: number) => (ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
console.log(
  `\nQuickJS worker thread vs main thread: ${ROUNDS} alternating rounds, ms (median of round medians, min–max)`,
);
console.log(
  `| measurement | ${MODES.join(' | ')} |${MODES.length === 2 ? ' ratio (median of per-round ratios) |' : ''}`,
);
console.log(`|---|${MODES.map(() => '---|').join('')}${MODES.length === 2 ? '---|' : ''}`);
for (const row of figures.get(MODES[0]!)!.keys()) {
  const cells = MODES.map((mode) => {
    const values = figures.get(mode)!.get(row)!;
    const stats = summarize(row, values);
    return `${format(stats.median)} (${format(stats.min)}–${format(stats.max)})`;
  });
  let ratio = '';
  if (MODES.length === 2) {
    const a = figures.get(MODES[0]!)!.get(row)!;
    const b = figures.get(MODES[1]!)!.get(row)!;
    const ratios = a.map((value, index) => value / b[index]!);
    const stats = summarize(row, ratios);
    ratio = ` ${stats.median.toFixed(3)} (${stats.min.toFixed(3)}–${stats.max.toFixed(3)}) |`;
  }
  console.log(`| ${row} | ${cells.join(' | ')} |${ratio}`);
}

/**
 * How late a 10 ms timer chain fires while `during` runs: the host's event-loop lag, measured as the
 * conformance suite's busy-cell checks do.
 */
async function withEventLoopLag<T>(during: () => Promise<T>): Promise<{ result: T; lagMs: number }> {
  let lagMs = 0;
  let running = true;
  let expected = performance.now() + 10;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - expected);
    expected = now + 10;
    if (running) timer = setTimeout(tick, 10);
  };
  timer = setTimeout(tick, 10);
  try {
    const result = await during();
    return { result, lagMs: Math.max(lagMs, performance.now() - expected) };
  } finally {
    running = false;
    clearTimeout(timer);
  }
}

if (BUSY && MODES.includes('worker')) {
  const session = sessions.get('worker')!;
  const figures = { abort: [] as number[], deadline: [] as number[], lag: [] as number[] };
  for (let run = 0; run < 5; run++) {
    const controller = new AbortController();
    let abortedAt = 0;
    const abortTimer = setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 300);
    const aborted = await withEventLoopLag(() =>
      session.runCell('while (true) {}', { timeoutMs: 60_000, signal: controller.signal }),
    );
    clearTimeout(abortTimer);
    figures.abort.push(performance.now() - abortedAt);
    const started = performance.now();
    const timedOut = await withEventLoopLag(() => session.runCell('while (true) {}', { timeoutMs: 300 }));
    figures.deadline.push(performance.now() - started - 300);
    figures.lag.push(aborted.lagMs, timedOut.lagMs);
    if (aborted.result.error?.kind !== 'aborted' || timedOut.result.error?.kind !== 'timeout') {
      throw new Error(
        `unexpected busy-cell outcome: ${aborted.result.error?.kind}, ${timedOut.result.error?.kind}`,
      );
    }
  }
  const show = (values: number[]) => {
    const stats = summarize('', values);
    return `${format(stats.median)} (${format(stats.min)}–${format(stats.max)})`;
  };
  console.log('\nBusy cell (`while (true) {}`) in the worker, 5 runs of each, ms (median, min–max):');
  console.log(`- abort to result: ${show(figures.abort)}`);
  console.log(`- deadline (300 ms) to result: ${show(figures.deadline)}`);
  console.log(`- worst lag of a 10 ms host timer during a busy cell: ${show(figures.lag)}`);
}

for (const session of sessions.values()) await session.dispose();
for (const environment of environments.values()) await environment.dispose?.();
process.exit(0);

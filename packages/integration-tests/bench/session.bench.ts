/**
 * How soon a question's first cell runs over a ~10M-token (40 MB) context: a fresh `completion`
 * (which starts a sandbox and injects the context) against a later question of a session (whose
 * REPL already holds the context: only `history` is bound anew). Zero-latency scripted model, real
 * QuickJS; the time is from the `completion` call to the end of the first cell (`context.length`).
 *
 * Run: pnpm --filter @rlm/integration-tests bench:session
 * (BENCH_FRESH_RUNS, default 5; BENCH_SESSION_QUESTIONS, default 20; BENCH_CONTEXT_MB, default 40)
 */
import os from 'node:os';
import { createRLM, type RLMEvent } from '@rlm/core';
import { formatStatsTable, makeBenchmarkLines, summarize } from '@rlm/core/benchmark';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

const FRESH_RUNS = Number(process.env.BENCH_FRESH_RUNS ?? 5);
const SESSION_QUESTIONS = Number(process.env.BENCH_SESSION_QUESTIONS ?? 20);
const CONTEXT_CHARS = Number(process.env.BENCH_CONTEXT_MB ?? 40) * 1_000_000;

const context = makeBenchmarkLines(CONTEXT_CHARS);
const environment = createQuickJSEnvironment();

function rootModel(): MockLanguageModel {
  return new MockLanguageModel({
    responses: (request) =>
      request.lastMessage.includes('Output of') || request.lastMessage.includes('Turn 1/')
        ? 'Done.\n```javascript\nFINAL("ok")\n```'
        : 'Look first.\n```javascript\ncontext.length\n```',
  });
}

/** Milliseconds from `ask()` to the end of its first cell. */
async function timeFirstCell(ask: (onEvent: (event: RLMEvent) => void) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let firstCellEnd: number | undefined;
  await ask((event) => {
    if (event.type === 'cell-end' && event.depth === 0) firstCellEnd ??= performance.now();
  });
  if (firstCellEnd === undefined) throw new Error('no cell ran');
  return firstCellEnd - started;
}

const fresh: number[] = [];
for (let run = 0; run < FRESH_RUNS + 1; run++) {
  const rlm = createRLM({ model: rootModel(), environment });
  const elapsed = await timeFirstCell((onEvent) => rlm.completion('How long?', { context, onEvent }));
  if (run > 0) fresh.push(elapsed); // the first run warms up the JIT and the worker
}

const rlm = createRLM({ model: rootModel(), environment });
const chat = rlm.session({ context });
const firstQuestion = await timeFirstCell((onEvent) => chat.completion('How long? (1)', { onEvent }));
const later: number[] = [];
for (let question = 2; question <= SESSION_QUESTIONS + 1; question++) {
  later.push(await timeFirstCell((onEvent) => chat.completion(`How long? (${question})`, { onEvent })));
}
await chat.dispose();
await environment.dispose?.();

const rows = [
  summarize('fresh completion', fresh, 'sandbox start + context injection'),
  summarize('session, question 2+', later, `question 1 took ${firstQuestion.toFixed(0)} ms`),
];
console.log(
  `\nTime to the end of the first cell, ${(CONTEXT_CHARS / 1e6).toFixed(0)} MB context (~${Math.round(CONTEXT_CHARS / 4 / 1e6)}M tokens), QuickJS, zero-latency model`,
);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'} ×${os.cpus().length}, Node ${process.version}, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}\n`,
);
console.log(formatStatsTable(rows));
const median = rows[1]!.median;
console.log(
  `\ntarget: a later question's first cell < 50 ms → ${median < 50 ? 'met' : 'NOT met'} (median ${median.toFixed(1)} ms)`,
);

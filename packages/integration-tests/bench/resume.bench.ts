/**
 * What a resume costs: a run of TURNS turns (a QuickJS cell and an llm_query each) with zero-latency
 * scripted models, then `rlm.resume` of its whole trajectory (every call replayed, none sent), and
 * the SHA-256 of a large context that a resume checks.
 *
 * Run: node --conditions=@rlm/source --import tsx bench/resume.bench.ts
 */
import { contextSha256, createRLM, modelCallKey } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

const TURNS = Number(process.env.BENCH_TURNS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

function models() {
  const model = new MockLanguageModel({
    modelId: 'root',
    responses: (request) => {
      const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
      const body =
        turn === TURNS
          ? 'FINAL(String(x1 + x' + (TURNS - 1) + '))'
          : `const x${turn} = context.length + (await llm_query("part ${turn}")).length;\nconsole.log(x${turn})`;
      return `Turn ${turn}.\n\`\`\`javascript\n${body}\n\`\`\``;
    },
  });
  const subModel = new MockLanguageModel({
    modelId: 'sub',
    responses: (request) => `answer to ${request.lastMessage}`,
  });
  return { model, subModel };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const environment = createQuickJSEnvironment();
const context = 'x'.repeat(100_000);
const runs: number[] = [];
const resumes: number[] = [];
for (let repeat = 0; repeat < REPEATS + 1; repeat++) {
  const first = models();
  let started = performance.now();
  const result = await createRLM({ ...first, environment, limits: { maxTurns: TURNS } }).completion('q', {
    context,
  });
  const runMs = performance.now() - started;
  const second = models();
  started = performance.now();
  const resumed = await createRLM({ ...second, environment, limits: { maxTurns: TURNS } }).resume(
    result.trajectory,
    {
      context,
    },
  );
  const resumeMs = performance.now() - started;
  if (resumed.answer !== result.answer || second.model.calls.length + second.subModel.calls.length > 0)
    throw new Error('the resume sent calls or answered differently');
  if (repeat === 0) continue;
  runs.push(runMs);
  resumes.push(resumeMs);
}
console.log(
  `${TURNS} turns, ${TURNS - 1} sub-calls, QuickJS, zero-latency models: run ${median(runs).toFixed(0)} ms, resume of all ${2 * TURNS - 1} calls ${median(resumes).toFixed(0)} ms (medians of ${REPEATS})`,
);

// The key of a root call late in a run: the history of 30 turns with 2,000-character outputs.
const messages = Array.from({ length: 61 }, (_, index) => ({
  role: index === 0 ? ('system' as const) : index % 2 ? ('user' as const) : ('assistant' as const),
  content: 'y'.repeat(2_000),
}));
const { model } = models();
const keyTimes: number[] = [];
for (let repeat = 0; repeat < 50; repeat++) {
  const started = performance.now();
  await modelCallKey(model, { messages, maxOutputTokens: undefined, noteTag: 'tag' });
  keyTimes.push(performance.now() - started);
}
console.log(`modelCallKey of a 122k-character history: ${median(keyTimes).toFixed(2)} ms (median of 50)`);

for (const [label, value] of [
  ['100 MB string', 'z'.repeat(100_000_000)],
  ['10,000 documents of 10 kB', Array.from({ length: 10_000 }, (_, index) => `${index}`.padEnd(10_000, 'd'))],
] as const) {
  const started = performance.now();
  await contextSha256(value);
  console.log(`contextSha256 of a ${label}: ${(performance.now() - started).toFixed(0)} ms`);
}
await environment.dispose?.();

/**
 * Tokens per second on the tiny random-weight GGUF: four calls one at a time on one sequence, and
 * the same four at once on four sequences of one context (how `llm_query_batched` runs on a local
 * model). A plumbing figure only: the tiny model (2 layers, 64 dimensions) says nothing about a real
 * model's speed, only whether the sequences really share the batches.
 *
 * Run: `pnpm --filter @rlm/llama-cpp bench` (BENCH_ROUNDS, BENCH_TOKENS, BENCH_THREADS to change).
 * The two set-ups alternate round by round so that load from other processes hits both alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from '@rlm/core/benchmark';
import { llamaCpp } from '../src/index';
import { writeTinyGguf } from '../src/testing/index';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const CALLS = 4;

const folder = await mkdtemp(join(tmpdir(), 'rlm-llama-bench-'));
const path = await writeTinyGguf(join(folder, 'tiny.gguf'));
const settings = { gpu: false as const, threads: THREADS, contextSize: 2048, onDownload: false as const };
const oneSequence = llamaCpp(path, { ...settings, sequences: 1 });
const fourSequences = llamaCpp(path, { ...settings, sequences: CALLS });
await oneSequence.load();
await fourSequences.load();

const prompts = Array.from({ length: CALLS }, (_, index) => `Call ${index}: write some code.`);

/** Runs the four calls (all at once; the model queues what it cannot run) and returns generated tokens per second. */
async function tokensPerSecond(model: typeof oneSequence): Promise<number> {
  const started = performance.now();
  const results = await Promise.all(
    prompts.map((content) =>
      model.doGenerate({ messages: [{ role: 'user', content }], maxOutputTokens: TOKENS }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const tokens = results.reduce((sum, result) => sum + result.usage.outputTokens, 0);
  return tokens / seconds;
}

await tokensPerSecond(oneSequence); // warm-up
await tokensPerSecond(fourSequences);
const one: number[] = [];
const four: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  one.push(await tokensPerSecond(oneSequence));
  four.push(await tokensPerSecond(fourSequences));
}
await oneSequence.dispose();
await fourSequences.dispose();
await rm(folder, { recursive: true, force: true });

const format = (value: number) => value.toFixed(0).padStart(6);
console.log(
  `llama.cpp tokens/s, tiny GGUF (plumbing only), ${CALLS} calls × ≤${TOKENS} tokens, ${THREADS} thread(s), CPU, ${ROUNDS} rounds`,
);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('setup                         median    min    p25    p75    max');
for (const stats of [
  summarize('1 sequence, one at a time', one),
  summarize(`${CALLS} sequences, concurrent`, four),
]) {
  console.log(
    `${stats.name.padEnd(28)}${format(stats.median)} ${format(stats.min)} ${format(stats.p25)} ${format(stats.p75)} ${format(stats.max)}`,
  );
}
// Each round's two runs sit side by side in time, so their ratio cancels most of the load drift.
const ratios = summarize(
  'ratio',
  four.map((value, round) => value / one[round]!),
);
console.log(
  `speed-up, 4 sequences over 1 (per-round ratio): median ${ratios.median.toFixed(2)}×, p25 ${ratios.p25.toFixed(2)}×, p75 ${ratios.p75.toFixed(2)}×`,
);

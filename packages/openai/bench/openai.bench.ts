/**
 * The provider's own cost per call, beyond the raw SDK call it wraps, and throughput at 64 calls in
 * flight, against `@rlm/test-server` at zero latency. Run: `pnpm --filter @rlm/openai bench`.
 *
 * Both sides are measured the same way: the same server, the same request, sequential calls timed
 * with `performance.now()`, raw and provider calls alternating so that drift (GC, other processes)
 * hits both alike. The overhead is the median of the per-pair differences.
 */
import type { ChatMessage } from '@rlm/core';
import { type Stats, summarize } from '@rlm/core/benchmark';
import { startTestServer } from '@rlm/test-server';
import OpenAI from 'openai';
import { createOpenAI } from '../src/index';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 3_000);
const WARMUP = 300;
const CONCURRENCY = 64;
const THROUGHPUT_CALLS = Number(process.env.BENCH_THROUGHPUT_CALLS ?? 2_048);
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 5);

const messages: ChatMessage[] = [
  { role: 'system', content: 'You answer in one word.' },
  { role: 'user', content: 'How many items have the label "location"?' },
];

async function time(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** Runs `total` calls with `concurrency` in flight; returns calls per second. */
async function throughput(call: () => Promise<unknown>, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await call();
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const server = await startTestServer({
  respond: () => ({ text: 'seven', usage: { inputTokens: 20, cachedInputTokens: 0, outputTokens: 1 } }),
});

interface Pair {
  readonly name: string;
  readonly raw: () => Promise<unknown>;
  readonly provider: () => Promise<unknown>;
}

const sdk = new OpenAI({ apiKey: 'bench', baseURL: server.openaiBaseURL, maxRetries: 0, logLevel: 'off' });
const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'bench' });
const model = provider('gpt-4.1');
const streamingModel = provider('gpt-4.1', { stream: true });
const body = { model: 'gpt-4.1', messages, max_tokens: 16 };

// A fetch that answers from memory: without the socket's noise, what is left is the SDK's and the
// provider's own CPU time, which makes the provider's share measurable on a busy machine.
const cannedCompletion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4.1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'seven' }, finish_reason: 'stop' }],
  usage: {
    prompt_tokens: 20,
    completion_tokens: 1,
    total_tokens: 21,
    prompt_tokens_details: { cached_tokens: 0 },
  },
});
const inMemoryFetch: typeof fetch = async () =>
  new Response(cannedCompletion, { status: 200, headers: { 'content-type': 'application/json' } });
const inMemorySdk = new OpenAI({
  apiKey: 'bench',
  baseURL: server.openaiBaseURL,
  maxRetries: 0,
  logLevel: 'off',
  fetch: inMemoryFetch,
});
const inMemoryModel = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'bench', fetch: inMemoryFetch })(
  'gpt-4.1',
);

const pairs: Pair[] = [
  {
    name: 'JSON',
    raw: async () => {
      const completion = await sdk.chat.completions.create(body);
      return completion.choices[0]?.message.content;
    },
    provider: () => model.doGenerate({ messages, maxOutputTokens: 16 }),
  },
  {
    name: 'streaming',
    raw: async () => {
      const stream = await sdk.chat.completions.create({
        ...body,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    },
    provider: () => streamingModel.doGenerate({ messages, maxOutputTokens: 16 }),
  },
  {
    name: 'JSON, in-memory fetch (no socket)',
    raw: async () => {
      const completion = await inMemorySdk.chat.completions.create(body);
      return completion.choices[0]?.message.content;
    },
    provider: () => inMemoryModel.doGenerate({ messages, maxOutputTokens: 16 }),
  },
];

const format = (ms: number) => ms.toFixed(3);
const row = (name: string, stats: Stats, note = '') =>
  `| ${name} | ${format(stats.median)} | ${format(stats.min)} | ${format(stats.p25)} | ${format(stats.p75)} | ${format(stats.max)} | ${note} |`;

console.log(
  `\n@rlm/openai, Node ${process.versions.node}, ${PAIRS} alternating pairs after ${WARMUP} warm-up pairs, test server at zero latency\n`,
);
console.log('| per call (ms) | median | min | p25 | p75 | max | note |');
console.log('|---|---|---|---|---|---|---|');
for (const pair of pairs) {
  for (let i = 0; i < WARMUP; i++) {
    await pair.raw();
    await pair.provider();
  }
  const raw: number[] = [];
  const wrapped: number[] = [];
  const differences: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    // Alternate which side goes first, so that neither always runs on a warmer connection.
    const [first, second] = i % 2 === 0 ? [pair.raw, pair.provider] : [pair.provider, pair.raw];
    const a = await time(first);
    const b = await time(second);
    const rawMs = i % 2 === 0 ? a : b;
    const providerMs = i % 2 === 0 ? b : a;
    raw.push(rawMs);
    wrapped.push(providerMs);
    differences.push(providerMs - rawMs);
  }
  const rawStats = summarize('raw', raw);
  const providerStats = summarize('wrapped', wrapped);
  console.log(row(`raw SDK call, ${pair.name}`, rawStats));
  console.log(row(`provider doGenerate, ${pair.name}`, providerStats));
  console.log(
    row(
      `overhead per call, ${pair.name}`,
      summarize('differences', differences),
      `difference of medians ${format(providerStats.median - rawStats.median)} ms`,
    ),
  );
}

console.log(`\n| ${CONCURRENCY} in flight, ${THROUGHPUT_CALLS} calls | median calls/s | min | max |`);
console.log('|---|---|---|---|');
for (const pair of pairs.slice(0, 2)) {
  const rawRates: number[] = [];
  const providerRates: number[] = [];
  for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
    rawRates.push(await throughput(pair.raw, THROUGHPUT_CALLS, CONCURRENCY));
    providerRates.push(await throughput(pair.provider, THROUGHPUT_CALLS, CONCURRENCY));
  }
  for (const [name, rates] of [
    [`raw SDK, ${pair.name}`, rawRates],
    [`provider, ${pair.name}`, providerRates],
  ] as const) {
    const stats = summarize('rates', rates);
    console.log(
      `| ${name} | ${stats.median.toFixed(0)} | ${stats.min.toFixed(0)} | ${stats.max.toFixed(0)} |`,
    );
  }
}

await server.close();

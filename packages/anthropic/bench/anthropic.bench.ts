/**
 * Benchmarks of the Anthropic provider. Run: `pnpm --filter @rlm/anthropic bench`.
 *
 * 1. Overhead per call beyond the raw SDK call, over HTTP against `@rlm/test-server` at zero
 *    latency: each run times one raw `client.messages.create` and one `model.doGenerate` with the
 *    same conversation, back to back, and the overhead is their difference (paired, so drift in the
 *    shared machine cancels out).
 * 2. The same comparison with an in-memory `fetch` that answers at once: no sockets, so what is left
 *    is the SDK's and the provider's own CPU time.
 * 3. Throughput at 64 concurrent calls, provider and raw SDK.
 *
 * Prints the median and spread (min, p25, p75, max) in milliseconds.
 */

import Anthropic from '@anthropic-ai/sdk';
import type { ChatMessage } from '@rlm/core';
import { type Stats, summarize } from '@rlm/core/benchmark';
import { startTestServer } from '@rlm/test-server';
import { toAnthropicPrompt } from '../src/anthropic-prompt';
import { createAnthropic } from '../src/index';

const MODEL_ID = 'claude-sonnet-4-6';

/** An RLM-like history: a 4 KB system prompt and `turns` code/output exchanges of about 1.5 KB each. */
function history(turns: number): ChatMessage[] {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You answer by writing code in a REPL. '.repeat(110) },
    {
      role: 'user',
      content: 'Question: how many users asked about locations? The context is 8 MB of lines.',
    },
  ];
  for (let turn = 1; turn <= turns; turn++) {
    messages.push({
      role: 'assistant',
      content: `Step ${turn}.\n\`\`\`repl\n${'x = context.split("\\n")\n'.repeat(20)}\`\`\``,
    });
    messages.push({ role: 'user', content: `Output:\n${'line of output\n'.repeat(60)}Turn ${turn + 1}/30` });
  }
  return messages;
}

/** A Messages API answer, as JSON text, for the in-memory fetch. */
const cannedAnswer = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: MODEL_ID,
  content: [{ type: 'text', text: '```repl\nprint(len(context))\n```' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: 20,
    output_tokens: 12,
    cache_read_input_tokens: 3_000,
    cache_creation_input_tokens: 400,
  },
});

const inMemoryFetch: typeof fetch = async () =>
  new Response(cannedAnswer, { status: 200, headers: { 'content-type': 'application/json' } });

async function pairedOverhead(
  label: string,
  runs: number,
  warmup: number,
  raw: () => Promise<unknown>,
  provider: () => Promise<unknown>,
): Promise<Stats[]> {
  for (let i = 0; i < warmup; i++) {
    await raw();
    await provider();
  }
  const rawTimes: number[] = [];
  const providerTimes: number[] = [];
  const differences: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always pays for the other's garbage.
    const order = i % 2 === 0 ? [raw, provider] : [provider, raw];
    const times = new Map<unknown, number>();
    for (const run of order) {
      const started = performance.now();
      await run();
      times.set(run, performance.now() - started);
    }
    rawTimes.push(times.get(raw)!);
    providerTimes.push(times.get(provider)!);
    differences.push(times.get(provider)! - times.get(raw)!);
  }
  return [
    summarize(`${label}: raw SDK call`, rawTimes),
    summarize(`${label}: provider doGenerate`, providerTimes),
    summarize(`${label}: provider overhead (paired difference)`, differences, 'target < 1 ms'),
  ];
}

async function throughput(concurrency: number, total: number, call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await call();
      }
    }),
  );
  return (total / (performance.now() - started)) * 1000;
}

async function main() {
  const results: Stats[] = [];
  const throughputRows: string[] = [];
  const server = await startTestServer({
    respond: () => ({
      text: '```repl\nprint(len(context))\n```',
      usage: { inputTokens: 3_420, outputTokens: 12, cachedInputTokens: 3_000, cacheWriteInputTokens: 400 },
    }),
  });

  try {
    for (const turns of [0, 10]) {
      const messages = history(turns);
      const characters = messages.reduce((sum, message) => sum + message.content.length, 0);
      // The raw call sends what the provider sends (same prompt, same breakpoints), built once up front.
      const body = {
        model: MODEL_ID,
        max_tokens: 16_384,
        ...toAnthropicPrompt(messages, { type: 'ephemeral' }),
      } as unknown as Anthropic.MessageCreateParamsNonStreaming;
      const label = `${turns} turns (${(characters / 1000).toFixed(0)} KB)`;

      const httpClient = new Anthropic({ apiKey: 'bench', baseURL: server.anthropicBaseURL, maxRetries: 0 });
      const httpModel = createAnthropic({ apiKey: 'bench', baseURL: server.anthropicBaseURL })(MODEL_ID);
      results.push(
        ...(await pairedOverhead(
          `HTTP, ${label}`,
          400,
          50,
          () => httpClient.messages.create(body),
          () => httpModel.doGenerate({ messages }),
        )),
      );

      const memoryClient = new Anthropic({ apiKey: 'bench', maxRetries: 0, fetch: inMemoryFetch });
      const memoryModel = createAnthropic({ apiKey: 'bench', fetch: inMemoryFetch })(MODEL_ID);
      results.push(
        ...(await pairedOverhead(
          `in-memory fetch, ${label}`,
          2_000,
          200,
          () => memoryClient.messages.create(body),
          () => memoryModel.doGenerate({ messages }),
        )),
      );
    }

    const messages = history(3);
    const body = {
      model: MODEL_ID,
      max_tokens: 16_384,
      ...toAnthropicPrompt(messages, { type: 'ephemeral' }),
    } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const client = new Anthropic({ apiKey: 'bench', baseURL: server.anthropicBaseURL, maxRetries: 0 });
    const model = createAnthropic({ apiKey: 'bench', baseURL: server.anthropicBaseURL })(MODEL_ID);
    const providerRates: number[] = [];
    const rawRates: number[] = [];
    await throughput(64, 640, () => model.doGenerate({ messages })); // warm-up
    for (let round = 0; round < 5; round++) {
      providerRates.push(await throughput(64, 1_280, () => model.doGenerate({ messages })));
      rawRates.push(await throughput(64, 1_280, () => client.messages.create(body)));
    }
    const provider = summarize('provider', providerRates);
    const raw = summarize('raw SDK', rawRates);
    for (const stats of [provider, raw]) {
      throughputRows.push(
        `| ${stats.name} | ${stats.runs} × 1,280 calls | ${stats.median.toFixed(0)} | ${stats.min.toFixed(0)} | ${stats.max.toFixed(0)} |`,
      );
    }
  } finally {
    await server.close();
  }

  const format = (ms: number) => (Math.abs(ms) < 10 ? ms.toFixed(3) : ms.toFixed(1));
  console.log(
    `Anthropic provider benchmarks (Node ${process.version}, ${process.platform}/${process.arch})\n`,
  );
  console.log('| benchmark | runs | median ms | min | p25 | p75 | max | note |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const stats of results) {
    console.log(
      `| ${stats.name} | ${stats.runs} | ${format(stats.median)} | ${format(stats.min)} | ${format(stats.p25)} | ${format(stats.p75)} | ${format(stats.max)} | ${stats.note ?? ''} |`,
    );
  }
  console.log('\nThroughput at 64 concurrent calls (HTTP, test server at zero latency, 3-turn history)\n');
  console.log('| client | rounds | median calls/s | min | max |');
  console.log('|---|---|---|---|---|');
  for (const row of throughputRows) console.log(row);
}

await main();

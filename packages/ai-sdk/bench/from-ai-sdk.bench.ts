/**
 * What `fromAISDK` costs per call beyond calling the AI SDK model directly. Run:
 * `pnpm --filter @rlm/ai-sdk bench` (`BENCH_PAIRS=…` to change the number of pairs).
 *
 * Both sides call the same AI SDK model object with the same conversation: directly with
 * `model.doGenerate({ prompt })` (the prompt built once, as a caller of the AI SDK holds it), and
 * through `fromAISDK(model).doGenerate({ messages })`, which converts the messages, wraps the call in
 * core's retry loop and converts usage, finish reason and text back. Calls alternate, direct first
 * and bridged first in turn, so drift (GC, other processes) hits both alike; the overhead is the
 * median of the per-pair differences. Most rows answer from an in-memory `fetch` (a real `Response`,
 * no socket), so that what is left is CPU time of the AI SDK provider and the bridge; one row goes
 * over HTTP to the test server for scale.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ChatMessage } from '@rlm/core';
import { type Stats, summarize } from '@rlm/core/benchmark';
import { startTestServer } from '@rlm/test-server';
import type { AISDKLanguageModel } from '../src/ai-sdk-language-model';
import { convertToAISDKPrompt } from '../src/convert-to-ai-sdk-prompt';
import { fromAISDK } from '../src/index';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 3_000);
const WARMUP = 300;

const short: ChatMessage[] = [
  { role: 'system', content: 'You answer in one word.' },
  { role: 'user', content: 'How many items have the label "location"?' },
];
// The shape of a root call late in a run: a long system prompt and twelve turns of code and output.
const rlmTurns: ChatMessage[] = [
  { role: 'system', content: 'REPL rules. '.repeat(300) },
  ...Array.from({ length: 12 }, (_, turn): ChatMessage[] => [
    {
      role: 'assistant',
      content: `Turn ${turn}.\n\`\`\`javascript\n${'const x = context.slice(0, 100);\n'.repeat(20)}\`\`\``,
    },
    { role: 'user', content: `Output of turn ${turn}:\n${'a line of output\n'.repeat(200)}` },
  ]).flat(),
];

const openaiJson = JSON.stringify({
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
const openaiSse = [
  { choices: [{ index: 0, delta: { role: 'assistant', content: 'sev' } }] },
  { choices: [{ index: 0, delta: { content: 'en' }, finish_reason: 'stop' }] },
  { choices: [], usage: { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 } },
]
  .map(
    (chunk) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'gpt-4.1', ...chunk })}\n\n`,
  )
  .join('')
  .concat('data: [DONE]\n\n');
const anthropicJson = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'seven' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
});

function answering(body: string, contentType: string): typeof fetch {
  return async () => new Response(body, { status: 200, headers: { 'content-type': contentType } });
}

const server = await startTestServer({
  respond: () => ({ text: 'seven', usage: { inputTokens: 20, outputTokens: 1 } }),
});
const openaiInMemory = createOpenAICompatible({
  name: 'bench',
  baseURL: 'http://in-memory/v1',
  apiKey: 'bench',
  includeUsage: true,
  fetch: answering(openaiJson, 'application/json'),
})('gpt-4.1');
const openaiStreamInMemory = createOpenAICompatible({
  name: 'bench',
  baseURL: 'http://in-memory/v1',
  apiKey: 'bench',
  includeUsage: true,
  fetch: answering(openaiSse, 'text/event-stream'),
})('gpt-4.1');
const anthropicInMemory = createAnthropic({
  baseURL: 'http://in-memory/v1',
  apiKey: 'bench',
  fetch: answering(anthropicJson, 'application/json'),
})('claude-sonnet-4-5');
const openaiHttp = createOpenAICompatible({
  name: 'bench',
  baseURL: server.openaiBaseURL,
  apiKey: 'bench',
  includeUsage: true,
})('gpt-4.1');

interface Pair {
  readonly name: string;
  readonly direct: () => Promise<unknown>;
  readonly bridged: () => Promise<unknown>;
}

function generatePair(name: string, model: AISDKLanguageModel, messages: ChatMessage[]): Pair {
  const prompt = convertToAISDKPrompt(messages);
  const bridge = fromAISDK(model);
  return {
    name,
    direct: async () => {
      const result = await model.doGenerate({ prompt, maxOutputTokens: 16 });
      return result.content;
    },
    bridged: () => bridge.doGenerate({ messages, maxOutputTokens: 16 }),
  };
}

function streamPair(name: string, model: AISDKLanguageModel, messages: ChatMessage[]): Pair {
  const prompt = convertToAISDKPrompt(messages);
  const bridge = fromAISDK(model, { stream: true });
  return {
    name,
    direct: async () => {
      const { stream } = await model.doStream({ prompt, maxOutputTokens: 16 });
      let text = '';
      for await (const part of stream) if (part.type === 'text-delta') text += part.delta ?? '';
      return text;
    },
    bridged: () => bridge.doGenerate({ messages, maxOutputTokens: 16 }),
  };
}

const pairs: Pair[] = [
  generatePair('openai-compatible, 2 messages, in-memory', openaiInMemory, short),
  generatePair('openai-compatible, 25 messages / 95 KB, in-memory', openaiInMemory, rlmTurns),
  generatePair('anthropic, 2 messages, in-memory', anthropicInMemory, short),
  streamPair('openai-compatible streamed, 2 messages, in-memory', openaiStreamInMemory, short),
  generatePair('openai-compatible, 2 messages, HTTP to the test server', openaiHttp, short),
];

async function time(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

const format = (ms: number) => ms.toFixed(3);
const row = (name: string, stats: Stats, note = '') =>
  `| ${name} | ${format(stats.median)} | ${format(stats.min)} | ${format(stats.p25)} | ${format(stats.p75)} | ${format(stats.max)} | ${note} |`;

console.log(
  `\n@rlm/ai-sdk fromAISDK overhead, Node ${process.versions.node}, ${PAIRS} alternating pairs after ${WARMUP} warm-up pairs per row\n`,
);
console.log('| per call (ms) | median | min | p25 | p75 | max | note |');
console.log('|---|---|---|---|---|---|---|');
for (const pair of pairs) {
  for (let i = 0; i < WARMUP; i++) {
    await pair.direct();
    await pair.bridged();
  }
  const direct: number[] = [];
  const bridged: number[] = [];
  const differences: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const directFirst = i % 2 === 0;
    const a = await time(directFirst ? pair.direct : pair.bridged);
    const b = await time(directFirst ? pair.bridged : pair.direct);
    const directMs = directFirst ? a : b;
    const bridgedMs = directFirst ? b : a;
    direct.push(directMs);
    bridged.push(bridgedMs);
    differences.push(bridgedMs - directMs);
  }
  const directStats = summarize('direct', direct);
  const bridgedStats = summarize('bridged', bridged);
  console.log(row(`AI SDK model directly, ${pair.name}`, directStats));
  console.log(row(`fromAISDK, ${pair.name}`, bridgedStats));
  console.log(
    row(
      `**overhead**, ${pair.name}`,
      summarize('differences', differences),
      `difference of medians ${format(bridgedStats.median - directStats.median)} ms`,
    ),
  );
}

await server.close();

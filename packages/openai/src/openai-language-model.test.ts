import { describe, expect, it } from 'vitest';
import { createOpenAI } from './openai-provider';
import { startServer } from './openai-test-fixture';

const question = [{ role: 'user', content: 'How many?' }] as const;

describe('OpenAILanguageModel over HTTP', () => {
  for (const stream of [false, true]) {
    const mode = stream ? 'streaming' : 'JSON';

    it(`returns text, usage with cached and reasoning tokens, finish reason, response ids and cost (${mode})`, async () => {
      const server = await startServer({
        replies: [
          {
            text: 'forty-two',
            reasoningText: 'let me think about it',
            finishReason: 'length',
            usage: {
              inputTokens: 2_000_000,
              cachedInputTokens: 1_000_000,
              outputTokens: 100_000,
              reasoningTokens: 60_000,
            },
          },
        ],
      });
      const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-5-mini', { stream });
      const result = await model.doGenerate({ messages: question });
      expect(result.text).toBe('forty-two');
      expect(result.usage).toEqual({
        inputTokens: 2_000_000,
        outputTokens: 100_000,
        cachedInputTokens: 1_000_000,
        reasoningTokens: 60_000,
      });
      expect(result.finishReason).toBe('length');
      // gpt-5-mini: $0.25 input, $0.025 cached input, $2 output per million tokens.
      expect(result.costUsd).toBeCloseTo(1 * 0.25 + 1 * 0.025 + 0.1 * 2, 12);
      expect(result.response?.id).toMatch(/^chatcmpl-/);
      expect(result.response?.modelId).toBe('gpt-5-mini');
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.stream).toBe(stream);
    });

    it(`reports no cost for a model of unknown price, and the user's price when given (${mode})`, async () => {
      const server = await startServer({
        respond: () => ({ text: 'ok', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } }),
      });
      const local = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'none', name: 'vllm' });
      const unknown = await local('Qwen/Qwen3-Coder-30B', { stream }).doGenerate({ messages: question });
      expect(unknown.costUsd).toBeUndefined();
      expect(unknown.usage).toEqual({
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cachedInputTokens: 0,
        reasoningTokens: 0,
      });
      const priced = await local('Qwen/Qwen3-Coder-30B', {
        stream,
        pricing: { inputPerMillion: 0.1, outputPerMillion: 0.3 },
      }).doGenerate({ messages: question });
      expect(priced.costUsd).toBeCloseTo(0.4, 12);
    });
  }

  it('prices a long prompt at the long-context tier', async () => {
    const server = await startServer({
      respond: (request) => ({
        text: 'ok',
        usage: {
          inputTokens: request.messages[0]!.content === 'long' ? 300_000 : 200_000,
          outputTokens: 1_000_000,
        },
      }),
    });
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-6-sol');
    const short = await model.doGenerate({ messages: [{ role: 'user', content: 'short' }] });
    const long = await model.doGenerate({ messages: [{ role: 'user', content: 'long' }] });
    // gpt-6-sol: $2 in / $10 out; above 272K input tokens $4 in / $15 out for the whole call.
    expect(short.costUsd).toBeCloseTo(0.2 * 2 + 10, 12);
    expect(long.costUsd).toBeCloseTo(0.3 * 4 + 15, 12);
  });

  it('estimates usage from characters when the server reports none', async () => {
    const server = await startServer({ replies: [{ text: 'x'.repeat(40) }] });
    // Strips `usage` on the wire, as some local servers send no usage at all.
    const withoutUsage: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as Record<string, unknown>;
      delete body.usage;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'none', fetch: withoutUsage })(
      'local',
    );
    const result = await model.doGenerate({
      messages: [
        { role: 'system', content: 's'.repeat(8) },
        { role: 'user', content: 'u'.repeat(12) },
      ],
    });
    expect(result.usage).toEqual({ inputTokens: 2 + 3, outputTokens: 10 });
  });

  it('keeps reasoning text out of the answer in a stream of many small deltas', async () => {
    const text = 'a'.repeat(5_000) + ' Zürich 🚀 ' + 'b'.repeat(5_000);
    const server = await startServer({
      replies: [{ text, reasoningText: 'hidden thoughts', usage: { inputTokens: 1, outputTokens: 2 } }],
    });
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1', { stream: true });
    const result = await model.doGenerate({ messages: question });
    expect(result.text).toBe(text);
    expect(result.finishReason).toBe('stop');
  });
});

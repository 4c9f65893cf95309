import { modelCallKey } from '@rlm/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenAI } from './openai-provider';

const messages = [{ role: 'user' as const, content: 'How many?' }];
const keyOf = async (model: Parameters<typeof modelCallKey>[0]) =>
  (await modelCallKey(model, { messages, maxOutputTokens: undefined })).hash;

describe('OpenAI models name what changes their answers (answerSettings), for cached calls', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('another server, temperature, output cap, reasoning effort or extra body is another key', async () => {
    const provider = createOpenAI({ apiKey: 'k', baseURL: 'http://localhost:8000/v1' });
    const reference = await keyOf(provider('qwen3'));
    const others = [
      createOpenAI({ apiKey: 'k', baseURL: 'http://other:8000/v1' })('qwen3'),
      provider('qwen3', { temperature: 0 }),
      provider('qwen3', { temperature: 1 }),
      provider('qwen3', { maxOutputTokens: 100 }),
      provider('qwen3', { reasoningEffort: 'low' }),
      provider('qwen3', { extraBody: { top_k: 20 } }),
      provider('qwen3', { reasoningModel: true }),
    ];
    const keys = await Promise.all(others.map(keyOf));
    expect(new Set([reference, ...keys]).size).toBe(others.length + 1);
  });

  it('the same settings on the same server is the same key, whatever the key, headers, pricing or streaming', async () => {
    const one = createOpenAI({ apiKey: 'secret-1', baseURL: 'http://localhost:8000/v1/' })('qwen3', {
      temperature: 0.2,
    });
    const two = createOpenAI({
      apiKey: 'secret-2',
      baseURL: 'http://localhost:8000/v1',
      headers: { a: 'b' },
    })('qwen3', {
      temperature: 0.2,
      stream: true,
      pricing: { inputPerMillion: 1, outputPerMillion: 2 },
      contextWindow: 9000,
    });
    expect(await keyOf(two)).toBe(await keyOf(one));
    expect(one.answerSettings).not.toContain('secret');
  });

  it('the server named by OPENAI_BASE_URL, read when asked', async () => {
    const model = createOpenAI({ apiKey: 'k' })('gpt-5-mini');
    const official = await keyOf(model);
    vi.stubEnv('OPENAI_BASE_URL', 'http://proxy:9000/v1');
    expect(await keyOf(model)).not.toBe(official);
    expect(model.answerSettings).toContain('http://proxy:9000/v1');
  });
});

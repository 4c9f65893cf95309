import { modelCallKey } from '@rlm/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAnthropic } from './anthropic-provider';

const messages = [{ role: 'user' as const, content: 'How many?' }];
const keyOf = async (model: Parameters<typeof modelCallKey>[0]) =>
  (await modelCallKey(model, { messages, maxOutputTokens: undefined })).hash;

describe('Anthropic models name what changes their answers (answerSettings), for cached calls', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('another server, temperature, output cap, thinking, 1M context, extra body or provider options is another key', async () => {
    const provider = createAnthropic({ apiKey: 'k', baseURL: 'http://localhost:8000' });
    const reference = await keyOf(provider('claude-sonnet-4-5'));
    const others = [
      createAnthropic({ apiKey: 'k', baseURL: 'http://other:8000' })('claude-sonnet-4-5'),
      provider('claude-sonnet-4-5', { temperature: 0 }),
      provider('claude-sonnet-4-5', { maxOutputTokens: 100 }),
      provider('claude-sonnet-4-5', { thinking: { type: 'enabled', budgetTokens: 2048 } }),
      provider('claude-sonnet-4-5', { context1M: true }),
      provider('claude-sonnet-4-5', { extraBody: { top_k: 5 } }),
      provider('claude-sonnet-4-5', { providerOptions: { service_tier: 'auto' } }),
    ];
    const keys = await Promise.all(others.map(keyOf));
    expect(new Set([reference, ...keys]).size).toBe(others.length + 1);
  });

  it('the same settings on the same server is the same key, whatever the key, headers, pricing, streaming or prompt caching', async () => {
    const one = createAnthropic({ apiKey: 'secret-1', baseURL: 'http://localhost:8000/' })(
      'claude-sonnet-4-5',
      {
        temperature: 0.2,
      },
    );
    const two = createAnthropic({
      apiKey: 'secret-2',
      baseURL: 'http://localhost:8000',
      headers: { a: 'b' },
    })('claude-sonnet-4-5', {
      temperature: 0.2,
      stream: true,
      promptCaching: true,
      pricing: { inputPerMillion: 1, outputPerMillion: 2 },
    });
    expect(await keyOf(two)).toBe(await keyOf(one));
    expect(one.answerSettings).not.toContain('secret');
  });

  it('the server named by ANTHROPIC_BASE_URL, read when asked', async () => {
    const model = createAnthropic({ apiKey: 'k' })('claude-sonnet-4-5');
    const official = await keyOf(model);
    vi.stubEnv('ANTHROPIC_BASE_URL', 'http://proxy:9000');
    expect(await keyOf(model)).not.toBe(official);
    expect(model.answerSettings).toContain('http://proxy:9000');
  });
});

import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { computeCostUsd, findKnownModelFacts } from '@rlm/core/provider';
import { describe, expect, it } from 'vitest';
import {
  AI_SDK_PROVIDERS,
  type AISDKProviderName,
  bridgedModel,
  serverWith,
  startServer,
} from './ai-sdk-test-fixture';
import { fromAISDK } from './from-ai-sdk';
import { AI_SDK_DEFAULT_CONTEXT_WINDOW } from './from-ai-sdk-options';

const providers = Object.keys(AI_SDK_PROVIDERS) as AISDKProviderName[];
const conversation = [
  { role: 'system', content: 'You answer in one word.' },
  { role: 'user', content: 'first' },
  { role: 'assistant', content: 'one' },
  { role: 'user', content: 'second' },
] as const;

describe.each(providers)('fromAISDK over %s', (provider) => {
  it.each([false, true])('sends the system prompt and the turns in order (stream: %s)', async (stream) => {
    const server = await serverWith({ text: 'two', usage: { inputTokens: 20, outputTokens: 1 } });
    const result = await bridgedModel(provider, server, { stream }).doGenerate({ messages: conversation });
    expect(result.text).toBe('two');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.messages).toEqual(conversation);
    expect(server.requests[0]!.stream).toBe(stream);
  });

  it("sends the loop's maxOutputTokens over the model's default, and the default otherwise", async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' });
    const model = bridgedModel(provider, server, { maxOutputTokens: 300 });
    await model.doGenerate({ messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 42 });
    await model.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.requests.map((request) => request.maxOutputTokens)).toEqual([42, 300]);
  });

  it('sends the sampling settings on the wire', async () => {
    const server = await serverWith({ text: 'a' });
    // Anthropic's AI SDK provider drops topP when a temperature is set (newer Claude models take one), so it gets topK.
    const anthropic = provider.startsWith('anthropic');
    await bridgedModel(provider, server, {
      temperature: 0.25,
      ...(anthropic ? { topK: 7 } : { topP: 0.5 }),
      stopSequences: ['END'],
    }).doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    const body = server.requests[0]!.body;
    expect(body.temperature).toBe(0.25);
    if (anthropic) expect(body.top_k).toBe(7);
    else expect(body.top_p).toBe(0.5);
    expect(body.stop ?? body.stop_sequences).toEqual(['END']);
  });

  it('reports usage with cached and reasoning tokens, and the finish reason', async () => {
    const server = await serverWith({
      text: 'cut',
      finishReason: 'length',
      usage: { inputTokens: 5000, outputTokens: 300, cachedInputTokens: 4000, reasoningTokens: 200 },
    });
    const result = await bridgedModel(provider, server).doGenerate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(result.usage).toMatchObject({ inputTokens: 5000, outputTokens: 300, cachedInputTokens: 4000 });
    expect(result.finishReason).toBe('length');
    if (provider !== 'anthropic (v3)') expect(result.usage.reasoningTokens).toBe(200);
  });

  it('prices calls of a model id the catalogs know, and only those', async () => {
    const server = await serverWith(
      { text: 'a', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } },
      { text: 'b', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } },
      { text: 'c', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } },
    );
    const knownId = provider.startsWith('anthropic') ? 'claude-haiku-4-5-20251001' : 'gpt-5-mini';
    const known = findKnownModelFacts(knownId)!;
    const catalogued = bridgedModel(provider, server, {}, knownId);
    expect(catalogued.contextWindow).toBe(known.contextWindow);
    const priced = await catalogued.doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(priced.costUsd).toBeCloseTo(known.pricing.inputPerMillion + known.pricing.outputPerMillion, 9);

    const local = bridgedModel(provider, server, {}, 'my-local-model');
    expect(local.contextWindow).toBe(AI_SDK_DEFAULT_CONTEXT_WINDOW);
    expect(local.pricing).toBeUndefined();
    expect('costUsd' in (await local.doGenerate({ messages: [{ role: 'user', content: 'x' }] }))).toBe(false);

    const pricing = { inputPerMillion: 1, outputPerMillion: 3 };
    const own = bridgedModel(provider, server, { pricing, contextWindow: 32_768 }, 'my-local-model');
    expect(own.contextWindow).toBe(32_768);
    expect((await own.doGenerate({ messages: [{ role: 'user', content: 'x' }] })).costUsd).toBeCloseTo(4, 9);
  });

  it('names the AI SDK provider and model, and keys answers by the settings that change them', async () => {
    const server = await startServer();
    const model = bridgedModel(provider, server);
    expect(model.specificationVersion).toBe('v1');
    expect(model.provider).toBe(model.aiSDKModel.provider);
    expect(model.modelId).toBe(model.aiSDKModel.modelId);
    expect(bridgedModel(provider, server, { provider: 'mine' }).provider).toBe('mine');
    const keys = new Set(
      [
        {},
        { temperature: 0 },
        { temperature: 1 },
        { answerSettings: 'http://a' },
        { answerSettings: 'http://b' },
      ].map((options) => bridgedModel(provider, server, options).answerSettings),
    );
    expect(keys.size).toBe(5);
    expect(
      bridgedModel(provider, server, { headers: { authorization: 'secret' } }).answerSettings,
    ).not.toContain('secret');
  });
});

describe('fromAISDK provider options', () => {
  it("passes the loop's provider options through, merged over the model's own, to the AI SDK provider", async () => {
    const server = await serverWith({ text: 'a' });
    await bridgedModel('openai-compatible (v3)', server, {
      providerOptions: { testserver: { user: 'from-model', reasoningEffort: 'low' } },
    }).doGenerate({
      messages: [{ role: 'user', content: 'x' }],
      providerOptions: { testserver: { user: 'from-call' }, anthropic: { ignored: true } },
    });
    expect(server.requests[0]!.body.user).toBe('from-call');
    expect(server.requests[0]!.body.reasoning_effort).toBe('low');
    expect(JSON.stringify(server.requests[0]!.body)).not.toContain('ignored');
  });

  it("reaches Anthropic's own options (extended thinking)", async () => {
    const server = await serverWith({ text: 'a', reasoningText: 'thinking…' });
    const result = await bridgedModel('anthropic (v3)', server, { maxOutputTokens: 4096 }).doGenerate({
      messages: [{ role: 'user', content: 'x' }],
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } },
    });
    expect(server.requests[0]!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    // Reasoning is not part of the answer.
    expect(result.text).toBe('a');
  });
});

describe('fromAISDK usage a server does not report', () => {
  it('is estimated from characters, four a token, so budgets still move', async () => {
    const server = await serverWith({ text: 'abcdefgh' });
    // Without includeUsage, a streamed Chat Completions answer carries no usage at all.
    const noUsage = fromAISDK(
      createOpenAICompatible({ name: 'testserver', baseURL: server.openaiBaseURL, apiKey: 'k' })(
        'some-model',
      ),
      { stream: true },
    );
    const estimated = await noUsage.doGenerate({ messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    expect(estimated.usage).toEqual({ inputTokens: 100, outputTokens: 2 });
  });
});

describe('fromAISDK cost of a long prompt', () => {
  it("applies the catalog's long-context tier, but not over the user's own prices", async () => {
    const server = await serverWith(
      { text: 'a', usage: { inputTokens: 300_000, outputTokens: 10 } },
      { text: 'b', usage: { inputTokens: 300_000, outputTokens: 10 } },
    );
    const facts = findKnownModelFacts('gpt-5.4')!;
    const tiered = await bridgedModel('openai-compatible (v3)', server, {}, 'gpt-5.4').doGenerate({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(tiered.costUsd).toBeCloseTo(
      computeCostUsd({ inputTokens: 300_000, outputTokens: 10 }, facts.longContextPricing!.pricing),
      9,
    );
    const own = await bridgedModel(
      'openai-compatible (v3)',
      server,
      { pricing: { inputPerMillion: 1, outputPerMillion: 1 } },
      'gpt-5.4',
    ).doGenerate({ messages: [{ role: 'user', content: 'x' }] });
    expect(own.costUsd).toBeCloseTo(0.30001, 9);
  });
});

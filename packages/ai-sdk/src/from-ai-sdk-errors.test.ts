import {
  APICallError,
  APIConnectionError,
  AuthenticationError,
  ContextWindowExceededError,
  InvalidArgumentError,
  ModelNotFoundError,
  RateLimitError,
} from '@rlm/core';
import { describe, expect, it } from 'vitest';
import {
  AI_SDK_PROVIDERS,
  type AISDKProviderName,
  bridgedModel,
  failureOf,
  serverWith,
} from './ai-sdk-test-fixture';
import { fromAISDK } from './from-ai-sdk';

const providers = Object.keys(AI_SDK_PROVIDERS) as AISDKProviderName[];
const ask = { messages: [{ role: 'user', content: 'x' }] } as const;

// Every fault the test server can script, through every AI SDK provider, over real HTTP.
describe.each(providers)('fromAISDK errors over %s', (provider) => {
  it('a 401 is an AuthenticationError, not retried', async () => {
    const server = await serverWith({ fault: 'invalid-key' }, { text: 'never' });
    const error = await failureOf(bridgedModel(provider, server).doGenerate(ask));
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(false);
    expect(error.statusCode).toBe(401);
    expect(error.message).toMatch(/API key/);
    expect(server.requests).toHaveLength(1);
  });

  it('a 404 is a ModelNotFoundError naming the model', async () => {
    const server = await serverWith({ fault: 'model-not-found' });
    const error = await failureOf(bridgedModel(provider, server, {}, 'no-such-model').doGenerate(ask));
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect(error.modelId).toBe('no-such-model');
    expect(error.message).toContain("'no-such-model'");
  });

  it.each([
    [4096, 5000],
    [200_000, 210_000],
  ])('"prompt too long" (window %i, prompt %i) is a ContextWindowExceededError with the numbers', async (contextWindow, promptTokens) => {
    const server = await serverWith({ fault: 'context-length', contextWindow, promptTokens });
    const error = await failureOf(bridgedModel(provider, server, {}, 'local').doGenerate(ask));
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(error.contextWindow).toBe(contextWindow);
    expect(error.promptTokens).toBe(promptTokens);
    expect(server.requests).toHaveLength(1);
  });

  it.each([500, 502, 503, 529] as const)('a %i is retried, then answers', async (status) => {
    const server = await serverWith({ fault: 'server-error', status }, { text: 'recovered' });
    const result = await bridgedModel(provider, server).doGenerate(ask);
    expect(result.text).toBe('recovered');
    expect(server.requests).toHaveLength(2);
  });

  it('a 5xx after the retries is a retryable APICallError with its status', async () => {
    const server = await serverWith(...Array.from({ length: 3 }, () => ({ fault: 'server-error' as const })));
    const error = await failureOf(bridgedModel(provider, server, { maxRetries: 2 }).doGenerate(ask));
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.statusCode).toBe(500);
    expect(error.isRetryable).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('a 429 waits what Retry-After says, then answers', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterMs: 300 }, { text: 'after the wait' });
    const started = performance.now();
    const result = await bridgedModel(provider, server).doGenerate(ask);
    expect(result.text).toBe('after the wait');
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(server.requests).toHaveLength(2);
  });

  it('a 429 with retrying off is a RateLimitError carrying Retry-After', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterSeconds: 7 });
    const error = await failureOf(bridgedModel(provider, server, { maxRetries: 0 }).doGenerate(ask));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/wait 7000 ms/);
  });

  it.each([false, true])('a garbled or cut response is retried (stream: %s)', async (stream) => {
    const server = await serverWith(
      { fault: 'malformed-json' },
      { fault: 'drop-connection' },
      { text: 'whole' },
    );
    const result = await bridgedModel(provider, server, { stream }).doGenerate(ask);
    expect(result.text).toBe('whole');
    expect(server.requests).toHaveLength(3);
  });

  it('an abort during a Retry-After wait stops at once with the caller’s reason', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterSeconds: 30 });
    const controller = new AbortController();
    const reason = new Error('user stopped');
    setTimeout(() => controller.abort(reason), 50);
    const started = performance.now();
    const error = await failureOf(
      bridgedModel(provider, server).doGenerate({ ...ask, abortSignal: controller.signal }),
    );
    expect(error).toBe(reason);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('fromAISDK connection failures', () => {
  it('a server that is not there is an APIConnectionError naming the address, retried then reported', async () => {
    const server = await serverWith();
    const url = server.openaiBaseURL;
    await server.close();
    const model = fromAISDK(AI_SDK_PROVIDERS['openai-compatible (v3)']({ ...server, openaiBaseURL: url }), {
      maxRetries: 1,
      retry: { initialDelayMs: 1 },
    });
    const error = await failureOf(model.doGenerate(ask));
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('127.0.0.1');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('a missing API key is an AuthenticationError that names the variable, before anything is sent', async () => {
    const { createAnthropic } = await import('@ai-sdk/anthropic');
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const server = await serverWith({ text: 'never' });
      const model = fromAISDK(createAnthropic({ baseURL: `${server.url}/v1` })('claude-haiku-4-5'));
      const error = await failureOf(model.doGenerate(ask));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error.message).toContain('ANTHROPIC_API_KEY');
      expect(server.requests).toHaveLength(0);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

describe('fromAISDK refuses what is not an AI SDK language model', () => {
  const valid = {
    specificationVersion: 'v3',
    provider: 'p',
    modelId: 'm',
    doGenerate: async () => ({}),
    doStream: async () => ({}),
  };
  it.each([
    ['a string id', 'openai/gpt-5', /not the string 'openai\/gpt-5'/],
    ['null', null, /got null/],
    ['an AI SDK 4 model (v1)', { ...valid, specificationVersion: 'v1' }, /v1 \(AI SDK 4\)/],
    ['an unknown version', { ...valid, specificationVersion: 'v9' }, /declares "v9"/],
    ['an embedding model', { ...valid, doGenerate: undefined, doEmbed: async () => ({}) }, /no doGenerate/],
    ['a model without an id', { ...valid, modelId: '' }, /no modelId/],
  ])('%s', (_name, model, message) => {
    const attempt = () => fromAISDK(model as never);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(message);
  });

  it.each([
    [{ contextWindow: 0 }, /contextWindow/],
    [{ contextWindow: 1.5 }, /contextWindow/],
    [{ maxOutputTokens: -1 }, /maxOutputTokens/],
    [{ maxRetries: -1 }, /maxRetries/],
    [{ pricing: { inputPerMillion: -1, outputPerMillion: 1 } }, /pricing.inputPerMillion/],
    [{ pricing: { inputPerMillion: 1 } }, /pricing.outputPerMillion/],
  ])('refuses the options %j', async (options, message) => {
    const server = await serverWith();
    const model = AI_SDK_PROVIDERS['openai-compatible (v3)'](server);
    expect(() => fromAISDK(model, options as never)).toThrow(message);
  });
});

import {
  AuthenticationError,
  ContextWindowExceededError,
  checkEmbeddingModel,
  RateLimitError,
} from '@rlm/core';
import type { TestServer } from '@rlm/test-server';
import { embedText } from '@rlm/test-server';
import { describe, expect, it } from 'vitest';
import type { OpenAIEmbeddingModelSettings } from './openai-embedding-model';
import { findOpenAIEmbeddingModelFacts, OPENAI_EMBEDDING_MODELS } from './openai-model-catalog';
import { createOpenAI } from './openai-provider';
import { failureOf, startServer } from './openai-test-fixture';

function embeddingFor(
  server: TestServer,
  settings: OpenAIEmbeddingModelSettings = {},
  modelId = 'text-embedding-3-small',
) {
  return createOpenAI({
    apiKey: 'test-key',
    baseURL: server.openaiBaseURL,
    retry: { initialDelayMs: 1 },
  }).embedding(modelId, settings);
}

describe('OpenAIEmbeddingModel', () => {
  it("is core's EmbeddingModel v1, made by openai.embedding next to the chat models", async () => {
    const server = await startServer();
    const model = embeddingFor(server);
    expect(checkEmbeddingModel(model)).toBe(model);
    expect(model).toMatchObject({
      provider: 'openai',
      modelId: 'text-embedding-3-small',
      maxValuesPerCall: 2048,
    });
  });

  it('returns one Float32Array per value, in order, decoded from base64, with usage and cost at $0.02 per million tokens', async () => {
    const server = await startServer();
    const values = ['refund policy', 'shipping times', 'refund of an order'];
    const result = await embeddingFor(server).doEmbed({ values });
    expect(result.embeddings).toHaveLength(3);
    for (const [index, vector] of result.embeddings.entries()) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(Array.from(vector)).toEqual(Array.from(embedText(values[index]!)));
    }
    const sent = server.requests[0]!;
    expect(sent.body).toEqual({ model: 'text-embedding-3-small', input: values, encoding_format: 'base64' });
    expect(sent.headers.authorization).toBe('Bearer test-key');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBeCloseTo((result.usage.inputTokens * 0.02) / 1e6, 12);
  });

  it('sends dimensions, float encoding and extra body fields when asked, and reads float answers', async () => {
    const server = await startServer();
    const result = await embeddingFor(server, {
      dimensions: 32,
      encodingFormat: 'float',
      extraBody: { user: 'u1' },
    }).doEmbed({ values: ['hello world'] });
    expect(result.embeddings[0]).toHaveLength(32);
    expect(Array.from(result.embeddings[0]!)).toEqual(Array.from(embedText('hello world', 32)));
    expect(server.requests[0]!.body).toMatchObject({ dimensions: 32, encoding_format: 'float', user: 'u1' });
  });

  it('splits a long list into requests of maxValuesPerCall values and adds up their usage', async () => {
    const server = await startServer();
    const values = Array.from({ length: 7 }, (_, index) => `value number ${index}`);
    const result = await embeddingFor(server, { maxValuesPerCall: 3 }).doEmbed({ values });
    expect(server.requests.map((request) => request.body.input.length)).toEqual([3, 3, 1]);
    expect(result.embeddings.map((vector) => Array.from(vector))).toEqual(
      values.map((value) => Array.from(embedText(value))),
    );
    expect(result.usage.inputTokens).toBe(
      values.reduce((sum, value) => sum + Math.ceil(value.length / 4), 0),
    );
  });

  it('retries 429s, 503s, malformed JSON and cut bodies through retryWithBackoff and then answers', async () => {
    const server = await startServer({
      faults: {
        rate429: 0.2,
        retryAfterMs: 1,
        rate503: 0.2,
        malformedJson: 0.1,
        dropMidStream: 0.1,
        seed: 3,
      },
    });
    const model = embeddingFor(server);
    for (let call = 0; call < 10; call++) {
      const result = await model.doEmbed({ values: [`call ${call}`] });
      expect(Array.from(result.embeddings[0]!)).toEqual(Array.from(embedText(`call ${call}`)));
    }
    const faults = server.requests.filter((request) => request.injectedFault !== undefined);
    expect(faults.length).toBeGreaterThan(0);
  });

  it("maps failures into core's errors: a rate limit past the retries, a value over the 8192-token window, an empty value, no key", async () => {
    const rateLimited = await startServer({ faults: { rate429: 1 } });
    const limited = createOpenAI({
      apiKey: 'k',
      baseURL: rateLimited.openaiBaseURL,
      maxRetries: 0,
    }).embedding('e');
    expect(RateLimitError.isInstance(await failureOf(limited.doEmbed({ values: ['a'] })))).toBe(true);

    const server = await startServer();
    const tooLong = await failureOf(embeddingFor(server).doEmbed({ values: ['word '.repeat(9000)] }));
    expect(ContextWindowExceededError.isInstance(tooLong)).toBe(true);
    expect(tooLong.message).toMatch(/8192/);
    await expect(embeddingFor(server).doEmbed({ values: ['a', ''] })).rejects.toThrow(
      /values\[1\] must be a non-empty string/,
    );

    const keyless = createOpenAI({ baseURL: server.openaiBaseURL }).embedding('e');
    expect(AuthenticationError.isInstance(await failureOf(keyless.doEmbed({ values: ['a'] })))).toBe(true);
  });

  it("rejects with the signal's reason: aborted before, and in flight", async () => {
    const server = await startServer({ latencyMs: 2_000 });
    const model = embeddingFor(server);
    const reason = new Error('stop');
    await expect(model.doEmbed({ values: ['a'], abortSignal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    const controller = new AbortController();
    const call = model.doEmbed({ values: ['a'], abortSignal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    const started = performance.now();
    await expect(call).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('knows the prices of text-embedding-3-small, -large and ada-002, and none of unknown models', async () => {
    expect(OPENAI_EMBEDDING_MODELS['text-embedding-3-small'].pricing.inputPerMillion).toBe(0.02);
    expect(OPENAI_EMBEDDING_MODELS['text-embedding-3-large'].pricing.inputPerMillion).toBe(0.13);
    expect(OPENAI_EMBEDDING_MODELS['text-embedding-ada-002'].pricing.inputPerMillion).toBe(0.1);
    expect(findOpenAIEmbeddingModelFacts('openai/text-embedding-3-large')?.dimensions).toBe(3072);
    expect(findOpenAIEmbeddingModelFacts('constructor')).toBeUndefined();
    const server = await startServer();
    const local = await embeddingFor(server, {}, 'nomic-embed-text').doEmbed({ values: ['a'] });
    expect(local.costUsd).toBeUndefined();
    expect(() => createOpenAI({ apiKey: 'k' }).embedding('e', { dimensions: 0 })).toThrow(/dimensions/);
  });
});

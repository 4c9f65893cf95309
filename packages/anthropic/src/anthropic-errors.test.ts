import {
  APICallError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
} from '@rlm/core';
import { startTestServer } from '@rlm/test-server';
import { describe, expect, it } from 'vitest';
import { createAnthropic } from './anthropic-provider';
import { failureOf, modelFor, serverWith } from './anthropic-test-fixture';

const messages = [{ role: 'user' as const, content: 'hello' }];

describe('errors mapped into core', () => {
  it('401 → AuthenticationError naming ANTHROPIC_API_KEY and apiKey, not retried', async () => {
    const server = await serverWith({ fault: 'invalid-key' }, { text: 'never' });
    const error = await failureOf(modelFor(server).doGenerate({ messages }));
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(error.statusCode).toBe(401);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toBe(
      'Anthropic refused the API key (401: invalid x-api-key). Set the ANTHROPIC_API_KEY environment ' +
        "variable, or pass apiKey to createAnthropic({ apiKey }), with a key that may use 'claude-sonnet-4-6'.",
    );
    expect(error.responseBody).toContain('"authentication_error"');
    expect(server.requests).toHaveLength(1);
  });

  it('404 → ModelNotFoundError with the model id, not retried', async () => {
    const server = await serverWith({ fault: 'model-not-found' }, { text: 'never' });
    const error = await failureOf(modelFor(server, {}, {}, 'claude-nope-1').doGenerate({ messages }));
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect(error.modelId).toBe('claude-nope-1');
    expect(error.statusCode).toBe(404);
    expect(error.message).toBe(
      "Anthropic does not know the model 'claude-nope-1' (404: model: claude-nope-1). Check the id " +
        `(e.g. 'claude-sonnet-4-5'); if you set baseURL (${server.anthropicBaseURL}), it must not end in /v1.`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("400 'prompt is too long' → ContextWindowExceededError with both counts, not retried", async () => {
    const server = await serverWith({
      fault: 'context-length',
      promptTokens: 250_123,
      contextWindow: 200_000,
    });
    const error = await failureOf(modelFor(server).doGenerate({ messages }));
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(error.modelId).toBe('claude-sonnet-4-6');
    expect(error.promptTokens).toBe(250_123);
    expect(error.contextWindow).toBe(200_000);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toBe(
      "The prompt does not fit the context window of 'claude-sonnet-4-6' " +
        '(prompt is too long: 250123 tokens > 200000 maximum). Send a smaller piece.',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('429 on every attempt → RateLimitError with retryAfterMs, after retry.maxRateLimitRetries retries', async () => {
    const server = await serverWith(
      { fault: 'rate-limit', retryAfterSeconds: 0 },
      { fault: 'rate-limit', retryAfterSeconds: 0 },
      { fault: 'rate-limit', retryAfterSeconds: 0 },
      { text: 'never' },
    );
    const error = await failureOf(
      modelFor(
        server,
        {},
        { maxRetries: 0, retry: { initialDelayMs: 1, maxRateLimitRetries: 2 } },
      ).doGenerate({
        messages,
      }),
    );
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error.statusCode).toBe(429);
    expect(error.retryAfterMs).toBe(0);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(
      /^Anthropic rate-limited the call \(429: This request would exceed the rate limit .*\); it asks to retry after 0 s\. Lower the concurrency \(maxConcurrency\) or raise maxRetries\.$/,
    );
    expect(server.requests).toHaveLength(3);
  });

  for (const status of [500, 502, 503, 529] as const) {
    it(`${status} → retryable APICallError, retried maxRetries times`, async () => {
      const server = await serverWith(
        { fault: 'server-error', status },
        { fault: 'server-error', status },
        { text: 'never' },
      );
      const error = await failureOf(modelFor(server, {}, { maxRetries: 1 }).doGenerate({ messages }));
      expect(APICallError.isInstance(error)).toBe(true);
      expect(error.statusCode).toBe(status);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toBe(
        {
          500: 'The Anthropic call failed (500: Internal server error).',
          502: 'The Anthropic call failed (502: Bad gateway).',
          503: 'The Anthropic call failed (503: Service unavailable).',
          529: 'Anthropic is overloaded (529: Overloaded). Retry later.',
        }[status],
      );
      expect(server.requests).toHaveLength(2);
    });
  }

  it('a body or stream event that does not parse → retryable APICallError naming the base URL, after the retries (JSON and SSE)', async () => {
    const server = await serverWith(
      { fault: 'malformed-json' },
      { fault: 'malformed-json' },
      { fault: 'malformed-json' },
      { fault: 'malformed-json' },
      { text: 'never' },
    );
    const json = await failureOf(modelFor(server, {}, { maxRetries: 1 }).doGenerate({ messages }));
    const streamed = await failureOf(
      modelFor(server, { stream: true }, { maxRetries: 1 }).doGenerate({ messages }),
    );
    for (const error of [json, streamed]) {
      expect(APICallError.isInstance(error)).toBe(true);
      expect(error.isRetryable).toBe(true);
      expect(error.statusCode).toBe(200);
      expect(error.message).toContain(server.anthropicBaseURL);
      expect(error.message).toContain('the call is retried');
    }
    expect(server.requests).toHaveLength(4);
  });

  for (const stream of [false, true]) {
    it(`a truncated body, a broken stream event or a connection cut mid-answer, then a good answer → the answer (${stream ? 'SSE' : 'JSON'})`, async () => {
      const server = await serverWith(
        { fault: 'malformed-json' },
        { fault: 'drop-connection', afterBytes: 60 },
        { fault: 'drop-connection' },
        { text: 'recovered' },
      );
      const retried: unknown[] = [];
      const result = await modelFor(
        server,
        { stream },
        { maxRetries: 3, retry: { initialDelayMs: 1, onRetry: ({ error }) => retried.push(error) } },
      ).doGenerate({ messages });
      expect(result.text).toBe('recovered');
      expect(server.requests).toHaveLength(4);
      expect(retried).toHaveLength(3);
      expect(retried.every((error) => APICallError.isInstance(error) && error.isRetryable)).toBe(true);
    });
  }

  it('a dropped connection → APIConnectionError naming the base URL, after retries (JSON and mid-stream)', async () => {
    const server = await serverWith(
      { fault: 'drop-connection' },
      { fault: 'drop-connection' },
      { fault: 'drop-connection' },
      { fault: 'drop-connection' },
    );
    const json = await failureOf(modelFor(server, {}, { maxRetries: 1 }).doGenerate({ messages }));
    const streamed = await failureOf(
      modelFor(server, { stream: true }, { maxRetries: 1 }).doGenerate({ messages }),
    );
    for (const error of [json, streamed]) {
      expect(APIConnectionError.isInstance(error)).toBe(true);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toContain(server.anthropicBaseURL);
    }
    expect(server.requests).toHaveLength(4);
  });

  it('a dropped connection then a good answer → the answer', async () => {
    const server = await serverWith({ fault: 'drop-connection' }, { text: 'recovered' });
    const result = await modelFor(server, { stream: true }).doGenerate({ messages });
    expect(result.text).toBe('recovered');
    expect(server.requests).toHaveLength(2);
  });

  it('nothing listening → APIConnectionError naming the base URL', async () => {
    const server = await startTestServer({ replies: [] });
    const baseURL = server.anthropicBaseURL;
    await server.close();
    const model = createAnthropic({ apiKey: 'k', baseURL, maxRetries: 0 })('claude-sonnet-4-6');
    const error = await failureOf(model.doGenerate({ messages }));
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Could not complete the request to the Anthropic API at ${baseURL}: Connection error. ` +
        'Check baseURL (or ANTHROPIC_BASE_URL) and the network.',
    );
  });

  it('a slow first byte beyond the timeout → APITimeoutError', async () => {
    const server = await serverWith({ fault: 'slow-first-byte', delayMs: 3_000 });
    const error = await failureOf(
      modelFor(server, {}, { timeout: 200, maxRetries: 0 }).doGenerate({ messages }),
    );
    expect(APITimeoutError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toBe(
      `The Anthropic request to ${server.anthropicBaseURL}/v1/messages timed out. ` +
        "Raise the provider's `timeout`, or use `stream: true` for long outputs.",
    );
  });
});

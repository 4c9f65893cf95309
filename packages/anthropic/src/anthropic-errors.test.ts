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
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropic } from './anthropic-provider';
import { closeServers, modelFor, serverWith } from './anthropic-test-fixture';

afterEach(closeServers);

const messages = [{ role: 'user' as const, content: 'hello' }];

/** The error a call failed with (fails the test when it succeeded). */
// biome-ignore lint/suspicious/noExplicitAny: tests read the mapped errors' fields freely
async function failure(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('errors mapped into core', () => {
  it('401 → AuthenticationError naming ANTHROPIC_API_KEY and apiKey, not retried', async () => {
    const server = await serverWith({ fault: 'invalid-key' }, { text: 'never' });
    const error = await failure(modelFor(server).doGenerate({ messages }));
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
    const error = await failure(modelFor(server, {}, {}, 'claude-nope-1').doGenerate({ messages }));
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
    const error = await failure(modelFor(server).doGenerate({ messages }));
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
    const error = await failure(
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
      const error = await failure(modelFor(server, {}, { maxRetries: 1 }).doGenerate({ messages }));
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
    const json = await failure(modelFor(server, {}, { maxRetries: 1 }).doGenerate({ messages }));
    const streamed = await failure(
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
    const json = await failure(modelFor(server, {}, { maxRetries: 1 }).doGenerate({ messages }));
    const streamed = await failure(
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
    const error = await failure(model.doGenerate({ messages }));
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Could not complete the request to the Anthropic API at ${baseURL}: Connection error. ` +
        'Check baseURL (or ANTHROPIC_BASE_URL) and the network.',
    );
  });

  it('a slow first byte beyond the timeout → APITimeoutError', async () => {
    const server = await serverWith({ fault: 'slow-first-byte', delayMs: 3_000 });
    const error = await failure(
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

describe('retries', () => {
  it('retries 529 and 503 with backoff, then returns the answer', async () => {
    const server = await serverWith(
      { fault: 'server-error', status: 529 },
      { fault: 'server-error', status: 503 },
      { text: 'third time' },
    );
    const delays: number[] = [];
    const result = await modelFor(
      server,
      {},
      { retry: { initialDelayMs: 40, onRetry: ({ delayMs }) => delays.push(delayMs) } },
    ).doGenerate({ messages });
    expect(result.text).toBe('third time');
    expect(server.requests).toHaveLength(3);
    // Full jitter: each wait is at most initialDelayMs × 2^attempt.
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(40);
    expect(delays[1]).toBeLessThanOrEqual(80);
  });

  it('waits what Retry-After says before the next attempt', async () => {
    const server = await serverWith(
      { fault: 'rate-limit', retryAfterSeconds: 1 },
      { text: 'after the wait' },
    );
    const delays: number[] = [];
    const result = await modelFor(
      server,
      {},
      { retry: { onRetry: ({ delayMs }) => delays.push(delayMs) } },
    ).doGenerate({ messages });
    expect(result.text).toBe('after the wait');
    expect(delays).toEqual([1_000]);
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('waits what retry-after-ms says (200 ms), not the Retry-After rounded up to a second', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterMs: 200 }, { text: 'soon after' });
    const delays: number[] = [];
    const result = await modelFor(
      server,
      {},
      { retry: { initialDelayMs: 5_000, onRetry: ({ delayMs }) => delays.push(delayMs) } },
    ).doGenerate({ messages });
    expect(result.text).toBe('soon after');
    expect(delays).toEqual([200]);
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(190);
    expect(second!.receivedAt - first!.receivedAt).toBeLessThan(900);
  });

  it('Retry-After: 0 retries at once, not after the computed backoff', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterSeconds: 0 }, { text: 'right away' });
    const delays: number[] = [];
    const started = performance.now();
    const result = await modelFor(
      server,
      {},
      { retry: { initialDelayMs: 5_000, onRetry: ({ delayMs }) => delays.push(delayMs) } },
    ).doGenerate({ messages });
    expect(result.text).toBe('right away');
    expect(delays).toEqual([0]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rate limits are retried apart from maxRetries (default 10 of them): 6 429s and 2 529s, then the answer', async () => {
    const server = await serverWith(
      { fault: 'rate-limit', retryAfterMs: 1 },
      { fault: 'server-error', status: 529 },
      { fault: 'rate-limit', retryAfterMs: 1 },
      { fault: 'rate-limit', retryAfterMs: 1 },
      { fault: 'rate-limit', retryAfterMs: 1 },
      { fault: 'server-error', status: 529 },
      { fault: 'rate-limit', retryAfterMs: 1 },
      { fault: 'rate-limit', retryAfterMs: 1 },
      { text: 'patience' },
    );
    const result = await modelFor(server, { stream: true }, { maxRetries: 2 }).doGenerate({ messages });
    expect(result.text).toBe('patience');
    expect(server.requests).toHaveLength(9);
  });

  it('fails at once when Retry-After is longer than maxRetryAfterMs', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterSeconds: 120 }, { text: 'never' });
    const error = await failure(modelFor(server).doGenerate({ messages }));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toContain('; it asks to retry after 120 s. Lower the concurrency');
    expect(server.requests).toHaveLength(1);
  });

  it('maxRetries 0 makes exactly one attempt', async () => {
    const server = await serverWith({ fault: 'server-error', status: 529 }, { text: 'never' });
    await failure(modelFor(server, {}, { maxRetries: 0 }).doGenerate({ messages }));
    expect(server.requests).toHaveLength(1);
  });
});

describe('abort', () => {
  it("stops a request in flight at once and rejects with the signal's reason (JSON and SSE)", async () => {
    const server = await serverWith({ text: 'late', delayMs: 5_000 }, { text: 'late', chunkDelayMs: 1_000 });
    for (const stream of [false, true]) {
      const controller = new AbortController();
      const reason = new Error(`cancelled (stream: ${stream})`);
      const started = performance.now();
      const pending = modelFor(server, { stream }).doGenerate({ messages, abortSignal: controller.signal });
      setTimeout(() => controller.abort(reason), 100);
      await expect(pending).rejects.toBe(reason);
      expect(performance.now() - started).toBeLessThan(1_500);
    }
    expect(server.requests).toHaveLength(2);
  });

  it('stops during a backoff wait: no further attempt is made', async () => {
    const server = await serverWith({ fault: 'rate-limit', retryAfterSeconds: 30 }, { text: 'never' });
    const controller = new AbortController();
    const reason = new Error('user gave up');
    const started = performance.now();
    const pending = modelFor(server).doGenerate({ messages, abortSignal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const server = await serverWith({ text: 'never' });
    const reason = new Error('too late');
    await expect(
      modelFor(server).doGenerate({ messages, abortSignal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});

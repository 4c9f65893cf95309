import { RateLimitError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { failureOf, modelFor, serverWith } from './anthropic-test-fixture';

const messages = [{ role: 'user' as const, content: 'hello' }];

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
    const error = await failureOf(modelFor(server).doGenerate({ messages }));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toContain('; it asks to retry after 120 s. Lower the concurrency');
    expect(server.requests).toHaveLength(1);
  });

  it('maxRetries 0 makes exactly one attempt', async () => {
    const server = await serverWith({ fault: 'server-error', status: 529 }, { text: 'never' });
    await failureOf(modelFor(server, {}, { maxRetries: 0 }).doGenerate({ messages }));
    expect(server.requests).toHaveLength(1);
  });
});

describe('abort', () => {
  it("stops a request in flight at once and rejects with the signal's reason (JSON and SSE)", async () => {
    const server = await serverWith({ text: 'late', delayMs: 5_000 }, { text: 'late', chunkDelayMs: 1_000 });
    for (const stream of [false, true]) {
      const controller = new AbortController();
      const reason = new Error(`cancelled (stream: ${stream})`);
      const pending = modelFor(server, { stream }).doGenerate({ messages, abortSignal: controller.signal });
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort(reason);
      }, 100);
      await expect(pending).rejects.toBe(reason);
      // Measured from the abort (a loaded machine may be slow to send the request); the answer
      // would take 5 s (JSON) or 1 s per chunk (SSE).
      expect(performance.now() - abortedAt).toBeLessThan(stream ? 900 : 2_000);
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

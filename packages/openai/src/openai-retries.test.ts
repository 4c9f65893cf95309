import { describe, expect, it } from 'vitest';
import { createOpenAI } from './openai-provider';
import { startServer } from './openai-test-fixture';

const messages = [{ role: 'user', content: 'hello' }] as const;

describe('retries and aborts', () => {
  it('retries server errors with growing backoff, then returns the answer', async () => {
    const server = await startServer({
      replies: [
        { fault: 'server-error', status: 503 },
        { fault: 'server-error', status: 502 },
        { text: 'third time' },
      ],
    });
    const delays: number[] = [];
    const model = createOpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      maxRetries: 2,
      retry: { initialDelayMs: 40, onRetry: ({ delayMs }) => delays.push(delayMs) },
    })('gpt-4.1');
    const result = await model.doGenerate({ messages });
    expect(result.text).toBe('third time');
    expect(server.requests).toHaveLength(3);
    // Full jitter: each wait is random below its bound, and the bound doubles (40 ms, then 80 ms).
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(40);
    expect(delays[1]).toBeLessThanOrEqual(80);
    const [first, second, third] = server.requests.map((request) => request.receivedAt);
    expect(second! - first!).toBeGreaterThanOrEqual(Math.floor(delays[0]!) - 2);
    expect(third! - second!).toBeGreaterThanOrEqual(Math.floor(delays[1]!) - 2);
  });

  it('waits as long as Retry-After says', async () => {
    const server = await startServer({
      replies: [{ fault: 'rate-limit', retryAfterSeconds: 1 }, { text: 'after the wait' }],
    });
    const delays: number[] = [];
    const model = createOpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      retry: { initialDelayMs: 1, onRetry: ({ delayMs }) => delays.push(delayMs) },
    })('gpt-4.1');
    const result = await model.doGenerate({ messages });
    expect(result.text).toBe('after the wait');
    expect(delays).toEqual([1000]);
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(990);
  });

  for (const stream of [false, true]) {
    it(`waits what retry-after-ms says (200 ms), not the Retry-After rounded up to a second (${stream ? 'stream' : 'JSON'})`, async () => {
      const server = await startServer({
        replies: [{ fault: 'rate-limit', retryAfterMs: 200 }, { text: 'soon after' }],
      });
      const delays: number[] = [];
      const model = createOpenAI({
        baseURL: server.openaiBaseURL,
        apiKey: 'k',
        retry: { initialDelayMs: 5_000, onRetry: ({ delayMs }) => delays.push(delayMs) },
      })('gpt-4.1', { stream });
      const result = await model.doGenerate({ messages });
      expect(result.text).toBe('soon after');
      expect(delays).toEqual([200]);
      const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
      expect(gap).toBeGreaterThanOrEqual(190);
      expect(gap).toBeLessThan(900);
    });
  }

  it('Retry-After: 0 retries at once, not after the computed backoff', async () => {
    const server = await startServer({
      replies: [{ fault: 'rate-limit', retryAfterSeconds: 0 }, { text: 'right away' }],
    });
    const delays: number[] = [];
    const started = performance.now();
    const result = await createOpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      retry: { initialDelayMs: 5_000, onRetry: ({ delayMs }) => delays.push(delayMs) },
    })('gpt-4.1').doGenerate({ messages });
    expect(result.text).toBe('right away');
    expect(delays).toEqual([0]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rate limits are retried apart from maxRetries (default 10 of them): 6 429s and 2 503s, then the answer', async () => {
    const limited = { fault: 'rate-limit', retryAfterMs: 1 } as const;
    const down = { fault: 'server-error', status: 503 } as const;
    const server = await startServer({
      replies: [limited, down, limited, limited, limited, down, limited, limited, { text: 'patience' }],
    });
    const result = await createOpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      maxRetries: 2,
      retry: { initialDelayMs: 1 },
    })('gpt-4.1').doGenerate({ messages });
    expect(result.text).toBe('patience');
    expect(server.requests).toHaveLength(9);
  });

  it('does not retry when maxRetries is 0 (and the SDK does not retry behind our back)', async () => {
    const server = await startServer({ replies: [{ fault: 'server-error' }, { text: 'unused' }] });
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0 })('gpt-4.1');
    await expect(model.doGenerate({ messages })).rejects.toThrow(/server error \(500: /);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted, and rejects with its reason', async () => {
    const server = await startServer({ replies: [{ text: 'unused' }] });
    const reason = new Error('not wanted');
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1');
    await expect(model.doGenerate({ messages, abortSignal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  for (const stream of [false, true]) {
    it(`stops a request in flight at once with the signal's reason (${stream ? 'stream' : 'JSON'})`, async () => {
      const server = await startServer({ replies: [{ text: 'late', delayMs: 5_000 }] });
      const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1', { stream });
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const pending = model.doGenerate({ messages, abortSignal: controller.signal });
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort(reason);
      }, 50);
      await expect(pending).rejects.toBe(reason);
      // Measured from the abort, not from the call (a loaded machine may be slow to send it); the
      // bound only has to tell "at once" from "when the 5 s answer came".
      expect(performance.now() - abortedAt).toBeLessThan(2_000);
      expect(server.requests).toHaveLength(1);
    });
  }

  it('stops a stream mid-answer', async () => {
    const server = await startServer({
      replies: [{ text: `a long streamed answer in ${'many '.repeat(20)}words`, chunkDelayMs: 200 }],
    });
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1', { stream: true });
    const controller = new AbortController();
    const reason = new Error('enough');
    const pending = model.doGenerate({ messages, abortSignal: controller.signal });
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(reason);
    }, 300);
    await expect(pending).rejects.toBe(reason);
    // From the abort: the rest of the stream would take seconds more.
    expect(performance.now() - abortedAt).toBeLessThan(1_500);
  });

  it('stops during a backoff wait without sending the retry', async () => {
    const server = await startServer({
      replies: [{ fault: 'rate-limit', retryAfterSeconds: 10 }, { text: 'unused' }],
    });
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    let waiting = false;
    const started = performance.now();
    const pending = createOpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      maxRetries: 3,
      retry: {
        onRetry: () => {
          waiting = true;
          setTimeout(() => controller.abort(reason), 50);
        },
      },
    })('gpt-4.1').doGenerate({ messages, abortSignal: controller.signal });
    await expect(pending).rejects.toBe(reason);
    expect(waiting).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toHaveLength(1);
  });
});

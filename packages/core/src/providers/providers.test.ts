import { describe, expect, it } from 'vitest';
import { APICallError, RateLimitError } from '../errors/api-call-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { parseModelId } from './model-id';
import { computeCostUsd } from './model-pricing';
import { parseRetryAfter, retryWithBackoff } from './retry-with-backoff';

describe('retryWithBackoff', () => {
  it('retries retryable errors with exponential full-jitter delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls++;
        if (calls < 3) throw new APICallError({ provider: 'p', message: 'busy', statusCode: 503 });
        return 'ok';
      },
      { initialDelayMs: 10, random: () => 1, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([10, 20]);
  });

  it('does not retry what is not retryable, and gives up after maxRetries', async () => {
    let calls = 0;
    const bad = new APICallError({ provider: 'p', message: 'bad request', statusCode: 400 });
    await expect(retryWithBackoff(async () => Promise.reject(bad).finally(() => calls++))).rejects.toBe(bad);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryWithBackoff(
        async () =>
          Promise.reject(new APICallError({ provider: 'p', message: 'down', statusCode: 500 })).finally(
            () => calls++,
          ),
        {
          maxRetries: 3,
          initialDelayMs: 1,
        },
      ),
    ).rejects.toThrow('down');
    expect(calls).toBe(4);
  });

  it('honours Retry-After, and fails at once when it is longer than allowed', async () => {
    const delays: number[] = [];
    let calls = 0;
    await retryWithBackoff(
      async () => {
        if (calls++ === 0)
          throw new RateLimitError({
            provider: 'p',
            message: 'slow down',
            statusCode: 429,
            retryAfterMs: 30,
          });
        return 'ok';
      },
      { onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(delays).toEqual([30]);
    const tooLong = new RateLimitError({
      provider: 'p',
      message: 'come back tomorrow',
      statusCode: 429,
      retryAfterMs: 86_400_000,
    });
    await expect(retryWithBackoff(async () => Promise.reject(tooLong))).rejects.toBe(tooLong);
  });

  it('stops waiting at once when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = retryWithBackoff(
      async () => Promise.reject(new APICallError({ provider: 'p', message: 'x', statusCode: 503 })),
      {
        initialDelayMs: 10_000,
        random: () => 1,
        signal: controller.signal,
      },
    );
    setTimeout(() => controller.abort(new Error('cancelled')), 30);
    await expect(pending).rejects.toThrow('cancelled');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('parses Retry-After in seconds, as a date, and retry-after-ms', () => {
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    expect(parseRetryAfter(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(parseRetryAfter(headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(headers({}))).toBeUndefined();
  });

  it('reads retry-after-ms before Retry-After, 0 as "now" (not absent), and a bad retry-after-ms as absent', () => {
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    expect(parseRetryAfter(headers({ 'retry-after-ms': '200', 'retry-after': '1' }))).toBe(200);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '0', 'retry-after': '1' }))).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': '0' }))).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '12.5' }))).toBe(12.5);
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'soon', 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '', 'retry-after': '' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after-ms': '-5' }))).toBe(0);
  });

  it('a Retry-After of 0 retries at once, without the computed backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    const started = performance.now();
    const result = await retryWithBackoff(
      async () => {
        if (calls++ < 2) {
          throw new RateLimitError({ provider: 'p', message: 'now', statusCode: 429, retryAfterMs: 0 });
        }
        return 'ok';
      },
      { initialDelayMs: 10_000, random: () => 1, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([0, 0]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('retryWithBackoff: edges', () => {
  it('reports each retry as attempt 1, 2, … (the attempt about to be made, counted from the first retry)', async () => {
    const attempts: number[] = [];
    let calls = 0;
    await retryWithBackoff(
      async () => {
        if (calls++ < 2) throw new APICallError({ provider: 'p', message: 'busy', statusCode: 503 });
        return 'ok';
      },
      { initialDelayMs: 1, onRetry: ({ attempt }) => attempts.push(attempt) },
    );
    expect(attempts).toEqual([1, 2]);
  });

  it('a Retry-After of exactly maxRetryAfterMs is waited; one millisecond more fails at once', async () => {
    const limited = (retryAfterMs: number) =>
      new RateLimitError({ provider: 'p', message: 'wait', statusCode: 429, retryAfterMs });
    const delays: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        if (calls++ === 0) throw limited(20);
        return 'ok';
      },
      { maxRetryAfterMs: 20, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([20]);
    const tooLong = limited(21);
    await expect(retryWithBackoff(async () => Promise.reject(tooLong), { maxRetryAfterMs: 20 })).rejects.toBe(
      tooLong,
    );
  });

  it('a retryAfterMs that is not a number of milliseconds ≥ 0 (a plugin’s null, a string, a negative) is ignored: the backoff applies', async () => {
    for (const retryAfterMs of [null, '5000', -1]) {
      const delays: unknown[] = [];
      let calls = 0;
      await retryWithBackoff(
        async () => {
          if (calls++ === 0) throw Object.assign(new Error('odd plugin error'), { retryAfterMs });
          return 'ok';
        },
        {
          shouldRetry: () => true,
          initialDelayMs: 10,
          random: () => 0.5,
          onRetry: ({ delayMs }) => delays.push(delayMs),
        },
      );
      expect(delays).toEqual([5]);
    }
  });

  it("a call that fails after the signal aborted rejects with the signal's reason, not the call's error", async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    let calls = 0;
    const pending = retryWithBackoff(
      async () => {
        calls++;
        controller.abort(reason);
        throw new Error('socket closed by the abort');
      },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('parseRetryAfter: no headers, and headers that are only blanks, are absent (not "now")', () => {
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': '  ' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after-ms': '  ', 'retry-after': '2' }))).toBe(2000);
  });
});

describe('retryWithBackoff: rate limits counted apart', () => {
  const rateLimit = () =>
    new RateLimitError({ provider: 'p', message: 'slow down', statusCode: 429, retryAfterMs: 0 });
  const serverError = () => new APICallError({ provider: 'p', message: 'down', statusCode: 503 });

  /** Runs `failures` (then success) through retryWithBackoff; how many attempts, and how it ended. */
  async function run(failures: (() => Error)[], options: Parameters<typeof retryWithBackoff>[1] = {}) {
    let calls = 0;
    const outcome = await retryWithBackoff(
      async () => {
        const next = failures[calls++];
        if (next) throw next();
        return 'ok';
      },
      { initialDelayMs: 1, maxDelayMs: 2, ...options },
    ).catch((error: Error) => error.message);
    return { calls, outcome };
  }

  it('by default: 4 retries of other failures and 10 of rate limits, each counted on its own', async () => {
    expect(await run(Array(4).fill(serverError))).toEqual({ calls: 5, outcome: 'ok' });
    expect(await run(Array(5).fill(serverError))).toEqual({ calls: 5, outcome: 'down' });
    expect(await run(Array(10).fill(rateLimit))).toEqual({ calls: 11, outcome: 'ok' });
    expect(await run(Array(11).fill(rateLimit))).toEqual({ calls: 11, outcome: 'slow down' });
    // Interleaved: 10 rate limits and 4 server errors in one call still end in the answer.
    const mixed = [...Array(10).fill(rateLimit), ...Array(4).fill(serverError)].sort(
      () => 0.5 - Math.random(),
    );
    expect(await run(mixed)).toEqual({ calls: 15, outcome: 'ok' });
  });

  it('maxRetries counts only other failures; maxRateLimitRetries the rate limits', async () => {
    expect(await run([rateLimit, rateLimit, rateLimit, serverError], { maxRetries: 1 })).toEqual({
      calls: 5,
      outcome: 'ok',
    });
    expect(await run([serverError, rateLimit, serverError], { maxRetries: 1 })).toEqual({
      calls: 3,
      outcome: 'down',
    });
    expect(await run([rateLimit, rateLimit, rateLimit], { maxRateLimitRetries: 2 })).toEqual({
      calls: 3,
      outcome: 'slow down',
    });
  });

  it('maxRetries 0 turns retrying off, rate limits included, unless maxRateLimitRetries is given', async () => {
    expect(await run([rateLimit], { maxRetries: 0 })).toEqual({ calls: 1, outcome: 'slow down' });
    expect(await run([serverError], { maxRetries: 0 })).toEqual({ calls: 1, outcome: 'down' });
    expect(await run([rateLimit, rateLimit], { maxRetries: 0, maxRateLimitRetries: 2 })).toEqual({
      calls: 3,
      outcome: 'ok',
    });
  });
});

describe('computeCostUsd', () => {
  it('prices uncached, cached, cache-write and output tokens at their own rates', () => {
    const cost = computeCostUsd(
      {
        inputTokens: 1_000_000,
        cachedInputTokens: 400_000,
        cacheWriteInputTokens: 100_000,
        outputTokens: 200_000,
      },
      {
        inputPerMillion: 3,
        cachedInputPerMillion: 0.3,
        cacheWriteInputPerMillion: 3.75,
        outputPerMillion: 15,
      },
    );
    expect(cost).toBeCloseTo(0.5 * 3 + 0.4 * 0.3 + 0.1 * 3.75 + 0.2 * 15, 10);
  });
});

describe('parseModelId', () => {
  it('splits at the first colon only', () => {
    expect(parseModelId('openai:gpt-5-mini')).toEqual({ provider: 'openai', modelId: 'gpt-5-mini' });
    expect(parseModelId('OpenAI:qwen3-coder:30b')).toEqual({
      provider: 'openai',
      modelId: 'qwen3-coder:30b',
    });
  });

  it('explains the expected form', () => {
    expect(() => parseModelId('gpt-5')).toThrow(/provider:model, e\.g\. 'openai:gpt-5-mini'/);
    expect(() => parseModelId('openai:')).toThrow(/not a model id/);
  });

  it('trims both parts, and takes a one-letter provider', () => {
    expect(parseModelId(' OpenAI : gpt-5-mini ')).toEqual({ provider: 'openai', modelId: 'gpt-5-mini' });
    expect(parseModelId('x:m')).toEqual({ provider: 'x', modelId: 'm' });
  });

  it('fails with an InvalidArgumentError for the model argument, quoting the text', () => {
    for (const text of ['gpt-5', ':gpt-5', 'openai:  ', '']) {
      let thrown: unknown;
      try {
        parseModelId(text);
      } catch (error) {
        thrown = error;
      }
      expect(InvalidArgumentError.isInstance(thrown)).toBe(true);
      expect((thrown as InvalidArgumentError).argument).toBe('model');
      expect((thrown as Error).message).toBe(
        `'${text}' is not a model id of the form provider:model, e.g. 'openai:gpt-5-mini' or 'anthropic:claude-sonnet-4-5'.`,
      );
    }
  });
});

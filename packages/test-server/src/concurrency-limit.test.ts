import { InvalidArgumentError } from '@rlm/core';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArguments } from './cli-arguments';
import { startTestServer, type TestServer } from './index';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

/** Sends `count` chat completions at once over the OpenAI SDK (no retries) and tells what each got. */
async function burst(server: TestServer, count: number) {
  const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test', maxRetries: 0 });
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: `q${index}` }] })
        .withResponse()
        .then(
          ({ data }) => ({ status: 200, text: data.choices[0]?.message.content, headers: undefined }),
          (error: { status?: number; headers?: Headers }) => ({
            status: error.status ?? 0,
            text: undefined,
            headers: error.headers,
          }),
        ),
    ),
  );
}

describe('concurrencyLimit: 429 with Retry-After above N requests at once', () => {
  it.each([
    [1, 5],
    [3, 10],
    [24, 40],
  ])('max %i, %i at once: max answered, the rest 429 at once with the wait asked for', async (max, count) => {
    const server = await start({
      respond: (request) => ({ text: `a ${request.messages.at(-1)?.content}` }),
      // Long enough that every request of the burst arrives before the first is answered, under load too.
      latencyMs: 1_000,
      concurrencyLimit: { max, retryAfterMs: 250 },
    });
    const started = performance.now();
    const results = await burst(server, count);
    const ok = results.filter((result) => result.status === 200);
    const limited = results.filter((result) => result.status === 429);
    expect([ok.length, limited.length]).toEqual([max, count - max]);
    for (const result of limited) {
      expect(result.headers?.get('retry-after-ms')).toBe('250');
      expect(result.headers?.get('retry-after')).toBe('1');
    }
    expect(server.concurrency()).toEqual({ inFlight: 0, peak: max, rejected: count - max });
    expect(server.requests.filter((request) => request.injectedFault === 'concurrency-limit')).toHaveLength(
      count - max,
    );
    // The answers took their latency (the 429s came at once).
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    // Places are given back: a second burst of `max` all get through.
    const again = await burst(server, max);
    expect(again.every((result) => result.status === 200)).toBe(true);
    expect(server.concurrency().rejected).toBe(count - max);
  });

  it('a client that hangs up gives its place back', async () => {
    const server = await start({
      respond: () => ({ text: 'late' }),
      latencyMs: 5_000,
      concurrencyLimit: { max: 2 },
    });
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test', maxRetries: 0 });
    const controller = new AbortController();
    const hung = [1, 2].map(() =>
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }, { signal: controller.signal })
        .catch(() => 'aborted'),
    );
    while (server.concurrency().inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await Promise.all(hung);
    while (server.concurrency().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.concurrency()).toMatchObject({ inFlight: 0, peak: 2, rejected: 0 });
  });

  it('without a limit nothing is rejected, and the peak is still counted; the default wait is 1 s', async () => {
    const server = await start({ respond: () => ({ text: 'ok' }), latencyMs: 1_000 });
    const results = await burst(server, 30);
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(server.concurrency()).toEqual({ inFlight: 0, peak: 30, rejected: 0 });
    const limited = await start({
      respond: () => ({ text: 'ok' }),
      latencyMs: 1_000,
      concurrencyLimit: { max: 1 },
    });
    const [, second] = await burst(limited, 2);
    expect(second?.headers?.get('retry-after-ms')).toBe('1000');
  });

  it('bad limits are refused with what to write', async () => {
    for (const [limit, message] of [
      [
        { max: 0 },
        'concurrencyLimit.max must be a whole number of requests >= 1, e.g. { max: 24, retryAfterMs: 100 }; got 0.',
      ],
      [
        { max: 2.5 },
        'concurrencyLimit.max must be a whole number of requests >= 1, e.g. { max: 24, retryAfterMs: 100 }; got 2.5.',
      ],
      [
        { max: 4, retryAfterMs: -1 },
        'concurrencyLimit.retryAfterMs must be a whole number of milliseconds >= 0, got -1.',
      ],
    ] as const) {
      const error = await startTestServer({ concurrencyLimit: limit }).catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as Error).message).toBe(message);
    }
  });

  it('the command: --concurrency-limit N [--concurrency-retry-after MS], checked', () => {
    expect(parseCliArguments(['--concurrency-limit', '24']).concurrencyLimit).toEqual({ max: 24 });
    expect(
      parseCliArguments(['--concurrency-limit', '24', '--concurrency-retry-after', '100']).concurrencyLimit,
    ).toEqual({ max: 24, retryAfterMs: 100 });
    expect(parseCliArguments([]).concurrencyLimit).toBeUndefined();
    for (const [args, message] of [
      [
        ['--concurrency-limit', '0'],
        "--concurrency-limit must be a whole number of requests >= 1 (e.g. 24), got '0'.",
      ],
      [
        ['--concurrency-limit', 'many'],
        "--concurrency-limit must be a whole number of requests >= 1 (e.g. 24), got 'many'.",
      ],
      [
        ['--concurrency-limit', '4', '--concurrency-retry-after', '1s'],
        "--concurrency-retry-after must be whole milliseconds (e.g. 100), got '1s'.",
      ],
      [
        ['--concurrency-retry-after', '100'],
        "--concurrency-retry-after sets the wait of --concurrency-limit's 429s; give --concurrency-limit N too.",
      ],
    ] as const) {
      expect(() => parseCliArguments(args)).toThrow(message);
    }
  });
});

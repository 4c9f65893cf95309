import Anthropic from '@anthropic-ai/sdk';
import { InvalidArgumentError } from '@rlm/core';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArguments } from './cli-arguments';
import { type FaultMix, startTestServer, type TestServer } from './index';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

const question = [{ role: 'user' as const, content: 'ping' }];

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as Error).constructor.name;
  }
}

describe('rate-limit with retryAfterMs', () => {
  it('OpenAI: sends retry-after-ms, Retry-After rounded up to seconds, and says the wait in ms', async () => {
    const server = await start({ replies: [{ fault: 'rate-limit', retryAfterMs: 200 }] });
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0, logLevel: 'off' });
    const error = await client.chat.completions
      .create({ model: 'gpt-test', messages: question })
      .catch((caught: unknown) => caught as InstanceType<typeof OpenAI.RateLimitError>);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.headers.get('retry-after-ms')).toBe('200');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe('200ms');
    expect(limited.message).toContain('Please try again in 200ms.');
  });

  it('Anthropic: sends retry-after-ms and Retry-After; retryAfterSeconds wins for Retry-After', async () => {
    const server = await start({
      replies: [
        { fault: 'rate-limit', retryAfterMs: 0 },
        { fault: 'rate-limit', retryAfterMs: 1500, retryAfterSeconds: 3 },
      ],
    });
    const client = new Anthropic({
      baseURL: server.anthropicBaseURL,
      apiKey: 'k',
      maxRetries: 0,
      logLevel: 'off',
    });
    const headersOf = async () => {
      const error = await client.messages
        .create({ model: 'claude-test', max_tokens: 10, messages: question })
        .catch((caught: unknown) => caught as InstanceType<typeof Anthropic.RateLimitError>);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      const headers = (error as InstanceType<typeof Anthropic.RateLimitError>).headers;
      return [headers?.get('retry-after-ms'), headers?.get('retry-after')];
    };
    expect(await headersOf()).toEqual(['0', '0']);
    expect(await headersOf()).toEqual(['1500', '3']);
  });

  it('rejects a negative or fractional retryAfterMs where it is written', async () => {
    for (const retryAfterMs of [-1, 0.5]) {
      await expect(startTestServer({ replies: [{ fault: 'rate-limit', retryAfterMs }] })).rejects.toThrow(
        /retryAfterMs must be a non-negative integer/,
      );
    }
  });
});

describe('faults: a seeded random mix per request', () => {
  const mix: FaultMix = {
    rate429: 0.3,
    retryAfterMs: 5,
    rate503: 0.05,
    dropMidStream: 0.02,
    malformedJson: 0.01,
    seed: 42,
  };

  async function drawFaults(faults: FaultMix, count: number, stream: boolean) {
    let answered = 0;
    const server = await start({
      faults,
      respond: () => {
        answered += 1;
        return { text: 'fine' };
      },
    });
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0, logLevel: 'off' });
    const outcomes: string[] = [];
    // One at a time, so the draws meet the requests in a fixed order.
    for (let index = 0; index < count; index++) {
      outcomes.push(
        await outcome(
          stream
            ? (async () => {
                const chunks = await client.chat.completions.create({
                  model: 'gpt-test',
                  messages: question,
                  stream: true,
                });
                let finished = false;
                for await (const chunk of chunks) if (chunk.choices[0]?.finish_reason) finished = true;
                if (!finished) throw new Error('no finish');
              })()
            : client.chat.completions.create({ model: 'gpt-test', messages: question }),
        ),
      );
    }
    return { server, outcomes, answered };
  }

  for (const stream of [false, true]) {
    it(`draws each fault at about its rate, the same ones for the same seed, without using the script (${stream ? 'SSE' : 'JSON'})`, async () => {
      const first = await drawFaults(mix, 300, stream);
      const injected = first.server.requests.map((request) => request.injectedFault ?? 'none');
      const count = (name: string) => injected.filter((fault) => fault === name).length;
      expect(count('rate-limit')).toBeGreaterThan(60);
      expect(count('rate-limit')).toBeLessThan(120);
      expect(count('server-error')).toBeGreaterThan(5);
      expect(count('server-error')).toBeLessThan(30);
      expect(count('drop-connection') + count('malformed-json')).toBeGreaterThan(2);
      // Only requests no fault was drawn for reached the respond function.
      expect(first.answered).toBe(count('none'));
      expect(first.outcomes.filter((result) => result === 'ok')).toHaveLength(count('none'));
      // Every injected fault failed the request the way its kind does.
      injected.forEach((fault, index) => {
        expect(first.outcomes[index] === 'ok').toBe(fault === 'none');
      });
      const again = await drawFaults(mix, 300, stream);
      expect(again.server.requests.map((request) => request.injectedFault ?? 'none')).toEqual(injected);
      const other = await drawFaults({ ...mix, seed: 43 }, 300, stream);
      expect(other.server.requests.map((request) => request.injectedFault ?? 'none')).not.toEqual(injected);
    });
  }

  it('the 429s carry the mix retryAfterMs', async () => {
    const server = await start({ faults: { rate429: 1, retryAfterMs: 250 }, respond: () => ({ text: 'x' }) });
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0, logLevel: 'off' });
    const error = (await client.chat.completions
      .create({ model: 'gpt-test', messages: question })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after-ms')).toBe('250');
  });

  it('rejects rates outside 0..1, rates that add up to more than 1, unknown fields and a bad seed', async () => {
    for (const faults of [
      { rate429: 1.5 },
      { rate429: 0.6, rate503: 0.6 },
      { rate500: 0.1 },
      { seed: 1.5 },
      { retryAfterMs: -3 },
      { maxFaultsPerRequest: -1 },
      { maxFaultsPerRequest: 1.5 },
    ] as FaultMix[]) {
      await expect(startTestServer({ faults })).rejects.toThrow(InvalidArgumentError);
    }
  });
});

describe('faults: maxFaultsPerRequest', () => {
  it("lets a request's retries through after N faults, counted per path and body", async () => {
    const server = await start({
      faults: { rate429: 0.5, rate503: 0.45, maxFaultsPerRequest: 2, seed: 9 },
      respond: () => ({ text: 'fine' }),
    });
    // 5 attempts per call (0 retries after 429s only would stop at the first one).
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 4, logLevel: 'off' });
    const prompts = Array.from({ length: 40 }, (_, index) => `question ${index}`);
    const answers = await Promise.all(
      prompts.map((content) =>
        client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content }] }),
      ),
    );
    expect(answers.map((answer) => answer.choices[0]?.message.content)).toEqual(prompts.map(() => 'fine'));
    const faultsPerPrompt = new Map<string, number>();
    for (const request of server.requests) {
      if (!request.injectedFault) continue;
      const prompt = request.messages.at(-1)?.content ?? '';
      faultsPerPrompt.set(prompt, (faultsPerPrompt.get(prompt) ?? 0) + 1);
    }
    // At 95% faults per attempt, every call met its bound; none more than it.
    expect([...faultsPerPrompt.values()].every((count) => count <= 2)).toBe(true);
    expect([...faultsPerPrompt.values()].filter((count) => count === 2).length).toBeGreaterThan(30);
    expect(server.requests.length).toBe(40 + [...faultsPerPrompt.values()].reduce((a, b) => a + b, 0));
  }, 60_000);

  it('is a key of --faults', () => {
    expect(parseCliArguments(['--faults', 'rate503=0.5,maxFaultsPerRequest=2']).faults).toEqual({
      rate503: 0.5,
      maxFaultsPerRequest: 2,
    });
  });

  it('0 lets every request through; without it a storm of 100% faults never does', async () => {
    const none = await start({
      faults: { rate503: 1, maxFaultsPerRequest: 0 },
      respond: () => ({ text: 'x' }),
    });
    const client = (server: TestServer) =>
      new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0, logLevel: 'off' });
    expect(await outcome(client(none).chat.completions.create({ model: 'm', messages: question }))).toBe(
      'ok',
    );
    const unbounded = await start({ faults: { rate503: 1 }, respond: () => ({ text: 'x' }) });
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(
        await outcome(client(unbounded).chat.completions.create({ model: 'm', messages: question })),
      ).toBe('InternalServerError');
    }
  });
});

import { createServer } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { InvalidArgumentError } from '@rlm/core';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RecordedRequest, startTestServer, type TestServer, type TestServerOptions } from './index';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: TestServerOptions = {}) {
  server = await startTestServer(options);
  return {
    server,
    openai: new OpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'sk-openai',
      maxRetries: 0,
      logLevel: 'off',
    }),
    anthropic: new Anthropic({
      baseURL: server.anthropicBaseURL,
      apiKey: 'sk-ant',
      maxRetries: 0,
      logLevel: 'off',
      defaultHeaders: { 'anthropic-beta': 'prompt-caching-2024-07-31' },
    }),
  };
}

const echoLastMessage = (request: RecordedRequest) => ({
  text: `echo:${request.messages.at(-1)?.content ?? ''}`,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('addresses', () => {
  it('listens on 127.0.0.1 and gives each SDK its base URL', async () => {
    const { server } = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(server.openaiBaseURL).toBe(`${server.url}/v1`);
    expect(server.anthropicBaseURL).toBe(server.url);
  });

  it('takes a fixed port', async () => {
    const free = await findFreePort();
    const { server } = await start({ port: free });
    expect(server.url).toBe(`http://127.0.0.1:${free}`);
  });

  it('refuses a port in use with InvalidArgumentError', async () => {
    const { server: first } = await start();
    const error = await rejection(startTestServer({ port: first.port }));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('port');
    expect((error as Error).message).toBe(
      `port ${first.port} on 127.0.0.1 cannot be used (EADDRINUSE): pass another port, or 0 for a free one.`,
    );
  });

  it.each([-1, 70_000, 1.5])('refuses port %s', async (port) => {
    await expect(startTestServer({ port })).rejects.toThrow(/port must be an integer from 0 to 65535/);
  });
});

describe('request recording', () => {
  it('records an OpenAI request: headers, body, model, stream, maxOutputTokens and normalised messages', async () => {
    const { server, openai } = await start({ respond: () => ({ text: 'ok' }) });
    const body = {
      model: 'gpt-test',
      max_completion_tokens: 77,
      messages: [
        { role: 'developer' as const, content: 'Be terse.' },
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'part one, ' },
            { type: 'text' as const, text: 'part two' },
          ],
        },
        { role: 'assistant' as const, content: 'an answer' },
        { role: 'user' as const, content: 'next' },
      ],
    };
    await openai.chat.completions.create(body);
    expect(server.requests).toHaveLength(1);
    const recorded = server.requests[0]!;
    expect(recorded.protocol).toBe('openai');
    expect(recorded.method).toBe('POST');
    expect(recorded.path).toBe('/v1/chat/completions');
    expect(recorded.headers.authorization).toBe('Bearer sk-openai');
    expect(recorded.headers['content-type']).toBe('application/json');
    expect(recorded.body).toEqual(body);
    expect(recorded.model).toBe('gpt-test');
    expect(recorded.stream).toBe(false);
    expect(recorded.maxOutputTokens).toBe(77);
    expect(recorded.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'part one, part two' },
      { role: 'assistant', content: 'an answer' },
      { role: 'user', content: 'next' },
    ]);
    expect(Math.abs(recorded.receivedAt - Date.now())).toBeLessThan(10_000);
  });

  it('reads the older max_tokens as maxOutputTokens and leaves it out when absent', async () => {
    const { server, openai } = await start({ respond: () => ({ text: 'ok' }) });
    await openai.chat.completions.create({
      model: 'gpt-test',
      max_tokens: 12,
      messages: [{ role: 'user', content: 'a' }],
    });
    await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'b' }],
      stream: true,
    });
    expect(server.requests[0]!.maxOutputTokens).toBe(12);
    expect('maxOutputTokens' in server.requests[1]!).toBe(false);
    expect(server.requests[1]!.stream).toBe(true);
  });

  it('records an Anthropic request with a string system prompt as a leading system message', async () => {
    const { server, anthropic } = await start({ respond: () => ({ text: 'ok' }) });
    await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 64,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    const recorded = server.requests[0]!;
    expect(recorded.protocol).toBe('anthropic');
    expect(recorded.path).toBe('/v1/messages');
    // @anthropic-ai/sdk 1.x sends the key as a bearer token (0.x sent x-api-key).
    expect(recorded.headers.authorization).toBe('Bearer sk-ant');
    expect(recorded.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(recorded.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(recorded.model).toBe('claude-test');
    expect(recorded.maxOutputTokens).toBe(64);
    expect(recorded.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ]);
  });

  it('records an Anthropic system given as text blocks with cache_control, and content blocks, as joined text', async () => {
    const { server, anthropic } = await start({ respond: () => ({ text: 'ok' }) });
    const system = [
      { type: 'text' as const, text: 'You answer questions about a context. ' },
      { type: 'text' as const, text: 'The context is long.', cache_control: { type: 'ephemeral' as const } },
    ];
    await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 64,
      stream: true,
      system,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Question: ' },
            { type: 'text', text: 'how many?', cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    const recorded = server.requests[0]!;
    expect(recorded.stream).toBe(true);
    expect(recorded.body.system).toEqual(system);
    expect(recorded.messages).toEqual([
      { role: 'system', content: 'You answer questions about a context. The context is long.' },
      { role: 'user', content: 'Question: how many?' },
    ]);
  });

  it('records a 1 MB prompt intact', async () => {
    const big = 'abcdefghij'.repeat(100_000);
    const { server, openai } = await start({
      respond: (request) => ({ text: String(request.messages[0]!.content.length) }),
    });
    const completion = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: big }],
    });
    expect(completion.choices[0]!.message.content).toBe('1000000');
    expect(server.requests[0]!.messages[0]!.content).toBe(big);
  });

  it('records a body that is not JSON as its text and answers with the API 400', async () => {
    const { server } = await start({ replies: [{ text: 'unused' }] });
    const response = await fetch(`${server.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    expect(server.requests[0]!.body).toBe('{"model": ');
    expect(server.requests[0]!.model).toBe('');
    expect(server.requests[0]!.messages).toEqual([]);
  });

  it('passes the recorded request to the respond function and to onRequest', async () => {
    const seen: RecordedRequest[] = [];
    const { server, openai } = await start({
      respond: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { text: `model was ${request.model}` };
      },
      onRequest: (request) => seen.push(request),
    });
    const completion = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'a' }],
    });
    expect(completion.choices[0]!.message.content).toBe('model was gpt-x');
    expect(seen).toEqual(server.requests);
    expect(seen).toHaveLength(1);
  });
});

describe('the script', () => {
  it('consumes the replies list in order, then answers a clear 500 with a JSON error body', async () => {
    const { server, openai } = await start({ replies: [{ text: 'one' }, { text: 'two' }] });
    const ask = () =>
      openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] });
    expect((await ask()).choices[0]!.message.content).toBe('one');
    expect((await ask()).choices[0]!.message.content).toBe('two');
    const error = await rejection(ask());
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).code).toBe('rlm_test_server_script');
    expect((error as Error).message).toBe(
      "500 rlm test server: no scripted reply left for request 3 (POST /v1/chat/completions, model 'gpt-test'): all 2 queued replies were used. Queue more with server.enqueue(...) or answer with a function via server.setResponder(...).",
    );
    expect(server.requests).toHaveLength(3);
  });

  it('answers the same 500 in Anthropic format when the list runs out there', async () => {
    const { anthropic } = await start({ replies: [] });
    const error = await rejection(
      anthropic.messages.create({
        model: 'claude-test',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'q' }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as InstanceType<typeof Anthropic.InternalServerError>).type).toBe('api_error');
    expect((error as InstanceType<typeof Anthropic.InternalServerError>).apiMessage).toBe(
      "rlm test server: nothing scripted for request 1 (POST /v1/messages, model 'claude-test'). Pass respond or replies to startTestServer, or call server.enqueue(...) / server.setResponder(...).",
    );
  });

  it('enqueue adds replies mid-test; queued replies go before the respond function', async () => {
    const { server, openai } = await start({ respond: () => ({ text: 'from respond' }) });
    const ask = async () =>
      (
        await openai.chat.completions.create({
          model: 'gpt-test',
          messages: [{ role: 'user', content: 'q' }],
        })
      ).choices[0]!.message.content;
    expect(await ask()).toBe('from respond');
    server.enqueue({ text: 'queued one' }, { text: 'queued two' });
    expect(await ask()).toBe('queued one');
    expect(await ask()).toBe('queued two');
    expect(await ask()).toBe('from respond');
  });

  it('setResponder replaces the respond function mid-test', async () => {
    const { server, openai } = await start({ replies: [{ text: 'listed' }] });
    const ask = async () =>
      (
        await openai.chat.completions.create({
          model: 'gpt-test',
          messages: [{ role: 'user', content: 'q' }],
        })
      ).choices[0]!.message.content;
    expect(await ask()).toBe('listed');
    server.setResponder(() => ({ text: 'first responder' }));
    expect(await ask()).toBe('first responder');
    server.setResponder(() => ({ text: 'second responder' }));
    expect(await ask()).toBe('second responder');
  });

  it('answers a 500 naming the cause when the respond function throws or returns nonsense', async () => {
    const { server, openai } = await start({
      respond: () => {
        throw new Error('script bug');
      },
    });
    const ask = () =>
      openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] });
    expect(((await rejection(ask())) as Error).message).toBe(
      "500 rlm test server: the respond function threw for request 1 (POST /v1/chat/completions, model 'gpt-test'): script bug",
    );
    server.setResponder(() => ({ txt: 'typo' }) as never);
    expect(((await rejection(ask())) as Error).message).toMatch(
      /^500 rlm test server: the respond function gave an invalid reply for request 2 .*text must be a string, got undefined/,
    );
  });

  it('refuses an invalid reply where it is written, with InvalidArgumentError', async () => {
    const error = await rejection(
      startTestServer({ replies: [{ text: 'fine' }, { fault: 'rate-limted' } as never] }),
    );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('replies[1]');
    const { server } = await start();
    expect(() => server.enqueue({ fault: 'server-error', status: 418 } as never)).toThrow(
      'enqueue[0] is not a valid scripted reply: status must be 500, 502, 503 or 529, got 418.',
    );
  });
});

describe('latency', () => {
  it('waits latencyMs before the first byte', async () => {
    const { openai } = await start({ respond: () => ({ text: 'ok' }), latencyMs: 200 });
    const started = performance.now();
    await openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("counts latencyMs from the request's arrival: the server's own work is inside it, not added", async () => {
    // A respond function (or a burst of requests queued behind each other) that takes 150 ms of
    // the server's time within a latency of 400 ms: the answer comes ~400 ms after sending, not 550.
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const { openai, anthropic } = await start({
      respond: () => {
        busy(150);
        return { text: 'ok' };
      },
      latencyMs: 400,
    });
    for (const ask of [
      () => openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] }),
      () =>
        anthropic.messages.create({
          model: 'claude-test',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'q' }],
        }),
    ]) {
      const started = performance.now();
      await ask();
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(390);
      // Well below 550 even on a loaded machine; before, every answer took latency + the script's time.
      expect(took).toBeLessThan(530);
    }
  });

  it('draws each delay from a [min, max] range', async () => {
    const { openai } = await start({ respond: () => ({ text: 'ok' }), latencyMs: [100, 200] });
    const durations: number[] = [];
    for (let index = 0; index < 4; index++) {
      const started = performance.now();
      await openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] });
      durations.push(performance.now() - started);
    }
    for (const duration of durations) {
      expect(duration).toBeGreaterThanOrEqual(95);
      expect(duration).toBeLessThan(2_000);
    }
  });

  it("adds a reply's delayMs to the latency", async () => {
    const { anthropic } = await start({ replies: [{ text: 'late', delayMs: 150 }], latencyMs: 100 });
    const started = performance.now();
    await anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'q' }],
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('pauses chunkDelayMs between SSE events, so a client sees the stream arrive over time', async () => {
    const { openai } = await start({ replies: [{ text: 'one two three four', chunkDelayMs: 40 }] });
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'q' }],
      stream: true,
    });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(performance.now());
    // role chunk, 4 words, finish chunk: 5 pauses of 40 ms between the first and the last write. The
    // bound is half that, since a client stalled on a busy machine may read the first chunk late.
    expect(arrivals).toHaveLength(6);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(100);
  });

  it.each([
    [-1, 'latencyMs must be a finite number of milliseconds >= 0, got -1.'],
    [[200, 100], 'latencyMs is [200, 100]: the minimum is above the maximum; write [100, 200].'],
  ] as const)('refuses latencyMs %j', async (latencyMs, message) => {
    await expect(startTestServer({ latencyMs: latencyMs as never })).rejects.toThrow(message);
  });
});

describe('concurrency', () => {
  it('answers and records 64 parallel requests, each with its own reply', async () => {
    const { server, openai, anthropic } = await start({ respond: echoLastMessage, latencyMs: [5, 30] });
    const calls = Array.from({ length: 64 }, async (_, index) => {
      const content = `call ${index}`;
      if (index % 2 === 0) {
        const completion = await openai.chat.completions.create({
          model: 'gpt-test',
          messages: [{ role: 'user', content }],
        });
        return completion.choices[0]!.message.content;
      }
      const message = await anthropic.messages.create({
        model: 'claude-test',
        max_tokens: 10,
        stream: index % 4 === 1,
        messages: [{ role: 'user', content }],
      });
      if ('content' in message) return (message.content[0] as Anthropic.TextBlock).text;
      let text = '';
      for await (const event of message) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
      }
      return text;
    });
    const answers = await Promise.all(calls);
    expect(answers).toEqual(Array.from({ length: 64 }, (_, index) => `echo:call ${index}`));
    expect(server.requests).toHaveLength(64);
    expect(server.requests.map((request) => request.messages.at(-1)!.content).sort()).toEqual(
      Array.from({ length: 64 }, (_, index) => `call ${index}`).sort(),
    );
    expect(server.requests.filter((request) => request.protocol === 'anthropic')).toHaveLength(32);
    expect(server.requests.filter((request) => request.stream)).toHaveLength(16);
  });
});

describe('close', () => {
  it('closes open connections: an answer in progress ends at once', async () => {
    const { server, openai } = await start({ replies: [{ text: 'never', delayMs: 10_000 }] });
    const pending = rejection(
      openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] }),
    );
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await server.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('closes idle keep-alive connections and can be called twice', async () => {
    const { server, openai } = await start({ respond: () => ({ text: 'ok' }) });
    await openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'q' }] });
    const started = performance.now();
    await Promise.all([server.close(), server.close()]);
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(fetch(`${server.url}/v1/models`)).rejects.toThrow('fetch failed');
  });
});

describe('other routes', () => {
  it('GET /v1/models lists models in OpenAI shape', async () => {
    const { openai } = await start();
    const models = [];
    for await (const model of openai.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-5', 'gpt-5-mini']);
  });

  it('GET /v1/models lists models in Anthropic shape for the Anthropic SDK', async () => {
    const { anthropic, server } = await start();
    const models = [];
    for await (const model of anthropic.models.list()) models.push(model.id);
    expect(models).toEqual(['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1']);
    expect(server.requests).toHaveLength(0);
  });

  it('answers an unknown path with a 404 JSON error that says where the endpoints are', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message:
          "rlm test server: no route for POST /chat/completions. It answers POST /v1/chat/completions and POST /v1/embeddings (OpenAI: use server.openaiBaseURL as the SDK's baseURL), POST /v1/messages (Anthropic: use server.anthropicBaseURL) and GET /v1/models.",
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_url',
      },
    });
  });

  it('an SDK pointed at the wrong base URL gets NotFoundError', async () => {
    const { server } = await start();
    const anthropic = new Anthropic({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0 });
    const error = await rejection(
      anthropic.messages.create({
        model: 'claude-test',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'q' }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).apiMessage).toContain(
      'no route for POST /v1/v1/messages',
    );
  });
});

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

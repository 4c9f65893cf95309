import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from './index';

// Every test drives the server with the real Anthropic SDK, so "the SDK parses it" is what is checked.
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: TestServerOptions): Promise<{ server: TestServer; client: Anthropic }> {
  server = await startTestServer(options);
  return {
    server,
    client: new Anthropic({
      baseURL: server.anthropicBaseURL,
      apiKey: 'sk-ant-test',
      maxRetries: 0,
      logLevel: 'off',
    }),
  };
}

const request = {
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user' as const, content: 'What is RLM?' }],
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('Anthropic Messages: JSON', () => {
  it('answers with a text block, end_turn, and usage in Anthropic convention (input_tokens uncached only)', async () => {
    const { client } = await start({
      replies: [
        {
          text: 'Zürich — 東京 🚀\nline two',
          usage: { inputTokens: 1234, outputTokens: 56, cachedInputTokens: 1000, cacheWriteInputTokens: 200 },
        },
      ],
    });
    const message = await client.messages.create(request);
    expect(message.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe('claude-test');
    expect(message.content).toEqual([{ type: 'text', text: 'Zürich — 東京 🚀\nline two' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    expect(message.usage).toEqual({
      input_tokens: 34,
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 1000,
      cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 },
      output_tokens: 56,
      service_tier: 'standard',
    });
  });

  it("maps finishReason 'length' to stop_reason 'max_tokens'", async () => {
    const { client } = await start({ replies: [{ text: 'cut', finishReason: 'length' }] });
    expect((await client.messages.create(request)).stop_reason).toBe('max_tokens');
  });

  it('sends reasoningText as a thinking block before the text, with thinking_tokens', async () => {
    const { client } = await start({
      replies: [
        {
          text: 'answer',
          reasoningText: 'first I think',
          usage: { inputTokens: 10, outputTokens: 30, reasoningTokens: 25 },
        },
      ],
    });
    const message = await client.messages.create(request);
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    const thinking = message.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.thinking).toBe('first I think');
    expect(thinking.signature.length).toBeGreaterThan(10);
    expect(message.usage.output_tokens_details).toEqual({ thinking_tokens: 25 });
  });

  it('estimates usage at 4 characters a token when the script gives none (system prompt included)', async () => {
    const { client } = await start({ replies: [{ text: '12345678' }] });
    const message = await client.messages.create({
      ...request,
      system: 's'.repeat(40),
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    expect(message.usage.input_tokens).toBe(110);
    expect(message.usage.output_tokens).toBe(2);
    expect(message.usage.cache_read_input_tokens).toBe(0);
  });
});

describe('Anthropic Messages: streaming', () => {
  it('streams message_start, content_block_start, ping, text deltas, content_block_stop, message_delta, message_stop', async () => {
    const text = 'Zürich — 東京 🚀 and a few more words\nto split';
    const { server } = await start({
      replies: [
        {
          text,
          usage: { inputTokens: 300, outputTokens: 9, cachedInputTokens: 200, cacheWriteInputTokens: 50 },
        },
      ],
    });
    const response = await fetch(`${server.anthropicBaseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const raw = await response.text();
    const events = raw
      .split('\n\n')
      .filter(Boolean)
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n');
        const data = JSON.parse(dataLine!.slice('data: '.length));
        // The SSE event name always equals the JSON type, as the API sends them.
        expect(eventLine).toBe(`event: ${data.type}`);
        return data;
      });
    const types = events.map((event) => event.type);
    const deltas = types.filter((type) => type === 'content_block_delta').length;
    expect(deltas).toBeGreaterThan(5);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array.from({ length: deltas }, () => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0].message.usage).toEqual({
      input_tokens: 50,
      cache_creation_input_tokens: 50,
      cache_read_input_tokens: 200,
      cache_creation: { ephemeral_5m_input_tokens: 50, ephemeral_1h_input_tokens: 0 },
      output_tokens: 1,
      service_tier: 'standard',
    });
    expect(events.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 50,
        cache_creation_input_tokens: 50,
        cache_read_input_tokens: 200,
        output_tokens: 9,
      },
    });
  });

  it('the SDK stream helper assembles the text and the final usage', async () => {
    const text = 'Zürich — 東京 🚀 and a few more words\nto split';
    const { client } = await start({
      replies: [
        {
          text,
          finishReason: 'length',
          usage: { inputTokens: 300, outputTokens: 9, cachedInputTokens: 200 },
        },
      ],
    });
    const stream = client.messages.stream(request);
    let streamed = '';
    stream.on('text', (delta) => {
      streamed += delta;
    });
    const message = await stream.finalMessage();
    expect(streamed).toBe(text);
    expect(message.content).toEqual([{ type: 'text', text }]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.input_tokens).toBe(100);
    expect(message.usage.cache_read_input_tokens).toBe(200);
    expect(message.usage.output_tokens).toBe(9);
  });

  it('streams a thinking block (thinking and signature deltas) before the text block', async () => {
    const { client } = await start({
      replies: [{ text: 'the answer', reasoningText: 'step one, step two' }],
    });
    const stream = await client.messages.create({ ...request, stream: true });
    let thinking = '';
    let text = '';
    const blockTypes: string[] = [];
    let signature = '';
    for await (const event of stream) {
      if (event.type === 'content_block_start') blockTypes.push(event.content_block.type);
      if (event.type === 'content_block_delta') {
        if (event.delta.type === 'thinking_delta') thinking += event.delta.thinking;
        if (event.delta.type === 'text_delta') text += event.delta.text;
        if (event.delta.type === 'signature_delta') signature = event.delta.signature;
      }
    }
    expect(blockTypes).toEqual(['thinking', 'text']);
    expect(thinking).toBe('step one, step two');
    expect(text).toBe('the answer');
    expect(signature.length).toBeGreaterThan(10);
  });
});

describe('Anthropic Messages: faults raise the SDK error classes', () => {
  it('rate-limit: RateLimitError (429, rate_limit_error) with Retry-After', async () => {
    const { client } = await start({ replies: [{ fault: 'rate-limit', retryAfterSeconds: 7 }] });
    const error = await rejection(client.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiError.status).toBe(429);
    expect(apiError.headers?.get('retry-after')).toBe('7');
    expect(apiError.type).toBe('rate_limit_error');
    expect(apiError.requestID).toMatch(/^req_011/);
  });

  it('rate-limit without retryAfterSeconds sends no Retry-After', async () => {
    const { client } = await start({ replies: [{ fault: 'rate-limit' }] });
    const error = (await rejection(client.messages.create(request))) as InstanceType<
      typeof Anthropic.RateLimitError
    >;
    expect(error.headers?.get('retry-after')).toBeNull();
  });

  it('the SDK honours Retry-After: one retry after a second, then the answer', async () => {
    const { server } = await start({
      replies: [{ fault: 'rate-limit', retryAfterSeconds: 1 }, { text: 'after waiting' }],
    });
    const client = new Anthropic({
      baseURL: server.anthropicBaseURL,
      apiKey: 'k',
      maxRetries: 1,
      logLevel: 'off',
    });
    const started = performance.now();
    const message = await client.messages.create(request);
    expect(message.content).toEqual([{ type: 'text', text: 'after waiting' }]);
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it.each([
    [500, 'api_error', 'InternalServerError'],
    [502, 'api_error', 'InternalServerError'],
    [503, 'api_error', 'ServiceUnavailableError'],
    [529, 'overloaded_error', 'OverloadedError'],
  ] as const)('server-error %i: %s, an InternalServerError (%s)', async (status, type, className) => {
    const { client } = await start({ replies: [{ fault: 'server-error', status }] });
    const error = await rejection(client.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as Error).constructor.name).toBe(className);
    expect((error as InstanceType<typeof Anthropic.InternalServerError>).status).toBe(status);
    expect((error as InstanceType<typeof Anthropic.InternalServerError>).type).toBe(type);
  });

  it('invalid-key: AuthenticationError (401, authentication_error)', async () => {
    const { client } = await start({ replies: [{ fault: 'invalid-key' }] });
    const error = await rejection(client.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).type).toBe('authentication_error');
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).apiMessage).toBe(
      'invalid x-api-key',
    );
  });

  it('model-not-found: NotFoundError (404, not_found_error) naming the model', async () => {
    const { client } = await start({ replies: [{ fault: 'model-not-found' }] });
    const error = await rejection(client.messages.create({ ...request, model: 'claude-nope' }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).type).toBe('not_found_error');
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).apiMessage).toBe('model: claude-nope');
  });

  it("context-length: BadRequestError 'prompt is too long: N tokens > M maximum'", async () => {
    const { client } = await start({ replies: [{ fault: 'context-length', promptTokens: 208_310 }] });
    const error = await rejection(client.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.apiMessage).toBe('prompt is too long: 208310 tokens > 200000 maximum');
  });

  it('malformed-json: the SDK fails to parse the 200 body', async () => {
    const { client } = await start({ replies: [{ fault: 'malformed-json' }] });
    expect(await rejection(client.messages.create(request))).toBeInstanceOf(SyntaxError);
  });

  it('malformed-json when streaming: message_start arrives, then an event that does not parse', async () => {
    const { client } = await start({ replies: [{ fault: 'malformed-json' }] });
    const stream = await client.messages.create({ ...request, stream: true });
    const types: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const event of stream) types.push(event.type);
      })(),
    );
    expect(types).toEqual(['message_start']);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('drop-connection before the answer: APIConnectionError', async () => {
    const { client } = await start({ replies: [{ fault: 'drop-connection' }] });
    expect(await rejection(client.messages.create(request))).toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it('drop-connection mid-stream: the first text delta arrives, then reading fails', async () => {
    const { client } = await start({ replies: [{ fault: 'drop-connection' }] });
    const stream = client.messages.stream(request);
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const error = await rejection(stream.finalMessage());
    expect(text).toBe('This ');
    expect((error as Error).message).toBe('terminated');
  });

  it('refuses a request without max_tokens as the API does (400)', async () => {
    const { server } = await start({ replies: [{ text: 'never sent' }] });
    const response = await fetch(`${server.anthropicBaseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-test', messages: request.messages }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: unknown; request_id: string };
    expect(body.type).toBe('error');
    expect(body.error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: Field required' });
    expect(body.request_id).toMatch(/^req_011/);
    expect(server.requests[0]!.maxOutputTokens).toBeUndefined();
  });
});

import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from './index';

// Every test drives the server with the real OpenAI SDK, so "the SDK parses it" is what is checked.
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: TestServerOptions): Promise<{ server: TestServer; client: OpenAI }> {
  server = await startTestServer(options);
  return {
    server,
    client: new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0, logLevel: 'off' }),
  };
}

const question = [{ role: 'user' as const, content: 'What is RLM?' }];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('OpenAI Chat Completions: JSON', () => {
  it('answers with the scripted text, its finish reason and every usage field', async () => {
    const { client } = await start({
      replies: [
        {
          text: 'Zürich — 東京 🚀\nline two',
          usage: { inputTokens: 1234, outputTokens: 56, cachedInputTokens: 1000, reasoningTokens: 12 },
        },
      ],
    });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: question });
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.message).toEqual({
      role: 'assistant',
      content: 'Zürich — 東京 🚀\nline two',
      refusal: null,
      annotations: [],
    });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: 1234,
      completion_tokens: 56,
      total_tokens: 1290,
      prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 12,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
  });

  it("maps finishReason 'length' to finish_reason 'length'", async () => {
    const { client } = await start({ replies: [{ text: 'cut', finishReason: 'length' }] });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: question });
    expect(completion.choices[0]!.finish_reason).toBe('length');
  });

  it('sends reasoningText as the OpenAI-compatible reasoning_content', async () => {
    const { client } = await start({ replies: [{ text: 'answer', reasoningText: 'first I think' }] });
    const completion = await client.chat.completions.create({
      model: 'deepseek-reasoner',
      messages: question,
    });
    const message = completion.choices[0]!.message as unknown as {
      reasoning_content: string;
      content: string;
    };
    expect(message.reasoning_content).toBe('first I think');
    expect(message.content).toBe('answer');
  });

  it('estimates usage at 4 characters a token when the script gives none', async () => {
    const { client } = await start({ replies: [{ text: '12345678' }] });
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    expect(completion.usage?.prompt_tokens).toBe(100);
    expect(completion.usage?.completion_tokens).toBe(2);
    expect(completion.usage?.total_tokens).toBe(102);
  });

  it('returns an empty text as an empty string', async () => {
    const { client } = await start({ replies: [{ text: '' }] });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: question });
    expect(completion.choices[0]!.message.content).toBe('');
  });
});

describe('OpenAI Chat Completions: streaming', () => {
  it('streams the text as chat.completion.chunk deltas, then the finish reason, the usage chunk and [DONE]', async () => {
    const text = 'Zürich — 東京 🚀 and a few more words\nto split';
    const { client } = await start({
      replies: [
        { text, usage: { inputTokens: 30, outputTokens: 9, cachedInputTokens: 20, reasoningTokens: 2 } },
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: question,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(new Set(chunks.map((chunk) => chunk.object))).toEqual(new Set(['chat.completion.chunk']));
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(5);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(text);
    const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean);
    expect(finishes).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 30,
      completion_tokens: 9,
      total_tokens: 39,
      prompt_tokens_details: { cached_tokens: 20, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 2,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('sends no usage chunk without stream_options.include_usage', async () => {
    const { client } = await start({ replies: [{ text: 'two words', finishReason: 'length' }] });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: question,
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk))).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });

  it('ends the wire stream with data: [DONE]', async () => {
    const { server } = await start({ replies: [{ text: 'hi' }] });
    const response = await fetch(`${server.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: question, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = await response.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(
      body
        .split('\n\n')
        .filter(Boolean)
        .every((event) => event.startsWith('data: ')),
    ).toBe(true);
  });

  it('streams reasoning_content deltas before the content', async () => {
    const { client } = await start({
      replies: [{ text: 'the answer', reasoningText: 'step one, step two' }],
    });
    const stream = await client.chat.completions.create({
      model: 'deepseek-reasoner',
      messages: question,
      stream: true,
    });
    let reasoning = '';
    let content = '';
    let reasoningAfterContent = false;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | { content?: string | null; reasoning_content?: string }
        | undefined;
      if (delta?.reasoning_content) {
        if (content) reasoningAfterContent = true;
        reasoning += delta.reasoning_content;
      }
      content += delta?.content ?? '';
    }
    expect(reasoning).toBe('step one, step two');
    expect(content).toBe('the answer');
    expect(reasoningAfterContent).toBe(false);
  });

  it('reads as a whole with the SDK stream helper', async () => {
    const { client } = await start({
      replies: [{ text: 'helper reads this', usage: { inputTokens: 4, outputTokens: 3 } }],
    });
    const completion = await client.chat.completions
      .stream({ model: 'gpt-test', messages: question, stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(completion.choices[0]!.message.content).toBe('helper reads this');
    expect(completion.usage?.total_tokens).toBe(7);
  });
});

describe('OpenAI Chat Completions: faults raise the SDK error classes', () => {
  it('rate-limit: RateLimitError (429) with Retry-After and the API body', async () => {
    const { client } = await start({ replies: [{ fault: 'rate-limit', retryAfterSeconds: 7 }] });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const apiError = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(apiError.status).toBe(429);
    expect(apiError.headers.get('retry-after')).toBe('7');
    expect(apiError.code).toBe('rate_limit_exceeded');
    expect(apiError.type).toBe('requests');
    expect(apiError.message).toContain('Rate limit reached for gpt-test');
  });

  it('rate-limit without retryAfterSeconds sends no Retry-After', async () => {
    const { client } = await start({ replies: [{ fault: 'rate-limit' }] });
    const error = (await rejection(
      client.chat.completions.create({ model: 'gpt-test', messages: question }),
    )) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get('retry-after')).toBeNull();
  });

  it('the SDK honours Retry-After: one retry after a second, then the answer', async () => {
    const { server } = await start({
      replies: [{ fault: 'rate-limit', retryAfterSeconds: 1 }, { text: 'after waiting' }],
    });
    const client = new OpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'sk-test',
      maxRetries: 1,
      logLevel: 'off',
    });
    const started = performance.now();
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: question });
    expect(completion.choices[0]!.message.content).toBe('after waiting');
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it.each([
    500, 502, 503, 529,
  ] as const)('server-error %i: InternalServerError with that status', async (status) => {
    const { client } = await start({ replies: [{ fault: 'server-error', status }] });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(status);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).type).toBe('server_error');
  });

  it('server-error defaults to 500', async () => {
    const { client } = await start({ replies: [{ fault: 'server-error' }] });
    const error = (await rejection(
      client.chat.completions.create({ model: 'gpt-test', messages: question }),
    )) as InstanceType<typeof OpenAI.InternalServerError>;
    expect(error.status).toBe(500);
    expect(error.message).toBe(
      '500 The server had an error while processing your request. Sorry about that!',
    );
  });

  it('invalid-key: AuthenticationError (401, invalid_api_key)', async () => {
    const { client } = await start({ replies: [{ fault: 'invalid-key' }] });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('model-not-found: NotFoundError (404, model_not_found) naming the model', async () => {
    const { client } = await start({ replies: [{ fault: 'model-not-found' }] });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-nope', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((error as Error).message).toBe(
      '404 The model `gpt-nope` does not exist or you do not have access to it.',
    );
  });

  it('context-length: BadRequestError with code context_length_exceeded in the API wording', async () => {
    const { client } = await start({
      replies: [{ fault: 'context-length', contextWindow: 8192, promptTokens: 9000 }],
    });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.code).toBe('context_length_exceeded');
    expect(apiError.param).toBe('messages');
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.message).toBe(
      "400 This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
    );
  });

  it('context-length defaults: a 128,000-token window and a prompt size above it', async () => {
    const { client } = await start({ replies: [{ fault: 'context-length' }] });
    const error = (await rejection(
      client.chat.completions.create({ model: 'gpt-test', messages: question }),
    )) as Error;
    expect(error.message).toContain(
      'maximum context length is 128000 tokens. However, your messages resulted in 128001 tokens.',
    );
  });

  it('malformed-json: the SDK fails to parse the 200 body', async () => {
    const { client } = await start({ replies: [{ fault: 'malformed-json' }] });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('malformed-json when streaming: one good chunk, then a data line that does not parse', async () => {
    const { client } = await start({ replies: [{ fault: 'malformed-json' }] });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: question,
      stream: true,
    });
    const seen: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    );
    expect(error).toBeInstanceOf(SyntaxError);
    expect(seen).toHaveLength(1);
  });

  it('drop-connection before the answer: APIConnectionError', async () => {
    const { client, server } = await start({ replies: [{ fault: 'drop-connection' }] });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(server.requests).toHaveLength(1);
  });

  it('drop-connection mid-stream: the first text delta arrives, then reading fails', async () => {
    const { client } = await start({ replies: [{ fault: 'drop-connection' }] });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: question,
      stream: true,
    });
    let content = '';
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(content).toBe('This ');
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
  });

  it('drop-connection afterBytes: headers and that many body bytes, then the body read fails', async () => {
    const { server } = await start({ replies: [{ fault: 'drop-connection', afterBytes: 20 }] });
    const response = await fetch(`${server.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: question }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = 0;
    const error = await rejection(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.length;
        }
      })(),
    );
    expect(received).toBe(20);
    expect((error as Error).message).toBe('terminated');
  });

  it('slow-first-byte: waits, then answers with `then`', async () => {
    const { client } = await start({
      replies: [{ fault: 'slow-first-byte', delayMs: 300, then: { text: 'late but here' } }],
    });
    const started = performance.now();
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: question });
    expect(completion.choices[0]!.message.content).toBe('late but here');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('slow-first-byte trips the SDK timeout: APIConnectionTimeoutError', async () => {
    const { server } = await start({ replies: [{ fault: 'slow-first-byte', delayMs: 2_000 }] });
    const client = new OpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      maxRetries: 0,
      timeout: 200,
      logLevel: 'off',
    });
    const error = await rejection(client.chat.completions.create({ model: 'gpt-test', messages: question }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('refuses a request without messages as the API does (400)', async () => {
    const { server } = await start({ replies: [{ text: 'never sent' }] });
    const response = await fetch(`${server.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    });
    // The refused request consumed no scripted reply.
    server.setResponder(() => ({ text: 'unused' }));
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: question });
    expect(completion.choices[0]!.message.content).toBe('never sent');
  });
});

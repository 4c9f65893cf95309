import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { embedText } from './embedding-vector';
import { startTestServer, type TestServer, type TestServerOptions } from './index';

// Driven with the real OpenAI SDK, so "the SDK parses it" is what is checked.
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: TestServerOptions = {}): Promise<{ server: TestServer; client: OpenAI }> {
  server = await startTestServer(options);
  return {
    server,
    client: new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0, logLevel: 'off' }),
  };
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += a[index]! * b[index]!;
  return dot;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('OpenAI embeddings: POST /v1/embeddings', () => {
  it('answers one normalised vector per input, in order, with usage, through the SDK (base64 by default)', async () => {
    const { client, server } = await start();
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['refund policy for orders', 'the refund policy of the shop', 'quantum chromodynamics'],
    });
    expect(result.object).toBe('list');
    expect(result.model).toBe('text-embedding-3-small');
    expect(result.data.map((item) => item.index)).toEqual([0, 1, 2]);
    for (const item of result.data) {
      expect(item.embedding).toHaveLength(256);
      expect(cosine(item.embedding, item.embedding)).toBeCloseTo(1, 5);
    }
    const [first, second, third] = result.data.map((item) => item.embedding);
    expect(cosine(first!, second!)).toBeGreaterThan(0.3);
    expect(Math.abs(cosine(first!, third!))).toBeLessThan(0.2);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
    expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      path: '/v1/embeddings',
      model: 'text-embedding-3-small',
      messages: [],
    });
    expect(server.requests[0]!.body.encoding_format).toBe('base64');
  });

  it('is deterministic, case-insensitive per word, and honours dimensions and float encoding', async () => {
    const { server } = await start();
    const answer = (await post(server.url, {
      model: 'm',
      input: 'Hello World',
      dimensions: 64,
      encoding_format: 'float',
    })) as { status: number; json: { data: { embedding: number[] }[] } };
    expect(answer.status).toBe(200);
    expect(answer.json.data[0]!.embedding).toEqual(Array.from(embedText('hello world', 64)));
    expect(answer.json.data[0]!.embedding).toHaveLength(64);
    expect(Array.from(embedText('Ünïcode wörds 東京', 32))).toEqual(
      Array.from(embedText('ünïcode WÖRDS 東京', 32)),
    );
    expect(Array.from(embedText('!!! ...', 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses what OpenAI refuses with its 400s: no model, no input, empty input, too many inputs, bad dimensions, a value over 8192 tokens', async () => {
    const { server } = await start();
    const cases: [unknown, RegExp][] = [
      ['not json', /parse the JSON body/],
      [{ input: 'a' }, /must provide a model/],
      [{ model: 'm' }, /Missing required parameter: 'input'/],
      [{ model: 'm', input: '' }, /'\$\.input' is invalid/],
      [{ model: 'm', input: [] }, /'\$\.input' is invalid/],
      [{ model: 'm', input: Array(2049).fill('a') }, /'\$\.input' is invalid/],
      [{ model: 'm', input: 'a', dimensions: 0 }, /Invalid 'dimensions'/],
      [{ model: 'm', input: 'a', encoding_format: 'int8' }, /Invalid 'encoding_format'/],
      [{ model: 'm', input: 'word '.repeat(8000) }, /maximum context length is 8192 tokens/],
    ];
    for (const [body, message] of cases) {
      const answer = (await post(server.url, body)) as {
        status: number;
        json: { error: { message: string } };
      };
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.json.error.message).toMatch(message);
    }
  });

  it("shares chat's fault mix: 429s with retry-after, 503s, malformed JSON and bodies cut short (fetch: terminated), recorded on the request", async () => {
    const { client, server } = await start({
      faults: { rate429: 0.25, retryAfterMs: 100, rate503: 0.25, malformedJson: 0.25, dropMidStream: 0.25 },
    });
    const seen = new Set<string>();
    for (let attempt = 0; attempt < 24; attempt++) {
      const failure = await client.embeddings
        .create({ model: 'text-embedding-3-small', input: 'a b c', encoding_format: 'float' })
        .then(
          () => 'answered',
          (error: { status?: number; name?: string }) => String(error.status ?? error.name),
        );
      seen.add(failure);
    }
    expect(seen).toEqual(new Set(['429', '503', 'SyntaxError', 'TypeError']));
    expect(new Set(server.requests.map((request) => request.injectedFault))).toEqual(
      new Set(['rate-limit', 'server-error', 'malformed-json', 'drop-connection']),
    );
  });

  it('does not consume the reply script: chat replies stay for chat', async () => {
    const { client } = await start({ replies: [{ text: 'chat answer' }] });
    await client.embeddings.create({ model: 'e', input: 'x' });
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('chat answer');
  });
});

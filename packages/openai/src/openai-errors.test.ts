import {
  APICallError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
} from '@rlm/core';
import type { ScriptedReply } from '@rlm/test-server';
import { describe, expect, it } from 'vitest';
import { createOpenAI } from './openai-provider';
import { failureOf, redirectOpenAITo, startServer } from './openai-test-fixture';

const messages = [{ role: 'user', content: 'hello' }] as const;

async function callAgainst(
  replies: ScriptedReply[],
  settings: { maxRetries?: number; maxRateLimitRetries?: number; stream?: boolean } = {},
) {
  const server = await startServer({ replies });
  const provider = createOpenAI({
    baseURL: server.openaiBaseURL,
    apiKey: 'k',
    maxRetries: settings.maxRetries ?? 0,
    retry: {
      initialDelayMs: 1,
      ...(settings.maxRateLimitRetries === undefined
        ? {}
        : { maxRateLimitRetries: settings.maxRateLimitRetries }),
    },
  });
  const error = await failureOf(
    provider('gpt-4.1', { stream: settings.stream ?? false, contextWindow: 50_000 }).doGenerate({ messages }),
  );
  return { server, error };
}

describe('errors from the server, mapped into core’s hierarchy', () => {
  it('401 → AuthenticationError naming the option to fix, never retried', async () => {
    const { server, error } = await callAgainst([{ fault: 'invalid-key' }, { text: 'unused' }], {
      maxRetries: 2,
    });
    expect(AuthenticationError.isInstance(error)).toBe(true);
    const authentication = error as AuthenticationError;
    expect(authentication.isRetryable).toBe(false);
    expect(authentication.statusCode).toBe(401);
    expect(authentication.provider).toBe('openai');
    expect(authentication.message).toContain(
      `The server at ${server.openaiBaseURL} rejected the API key (401: `,
    );
    expect(authentication.message).toContain('apiKey');
    expect(authentication.responseBody).toContain('invalid_api_key');
    expect(server.requests).toHaveLength(1);
  });

  it('401 from OpenAI itself names OPENAI_API_KEY when the key came from there', async () => {
    const server = await startServer({ replies: [{ fault: 'invalid-key' }] });
    const previous = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-env';
    try {
      const error = await failureOf(
        createOpenAI({ fetch: redirectOpenAITo(server), maxRetries: 0 })('gpt-5-mini').doGenerate({
          messages,
        }),
      );
      expect((error as Error).message).toMatch(
        /^OpenAI rejected the API key from OPENAI_API_KEY \(401: .+\)\. Set OPENAI_API_KEY/,
      );
      expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-from-env');
    } finally {
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  });

  it('404 → ModelNotFoundError with the model id and where to look', async () => {
    const { server, error } = await callAgainst([{ fault: 'model-not-found' }, { text: 'unused' }], {
      maxRetries: 2,
    });
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    const notFound = error as ModelNotFoundError;
    expect(notFound.modelId).toBe('gpt-4.1');
    expect(notFound.isRetryable).toBe(false);
    expect(notFound.statusCode).toBe(404);
    expect(notFound.message).toContain("does not know the model 'gpt-4.1' (404: ");
    expect(notFound.message).toContain(`GET ${server.openaiBaseURL}/models`);
    expect(server.requests).toHaveLength(1);
  });

  it("400 context_length_exceeded → ContextWindowExceededError with the server's numbers", async () => {
    const { server, error } = await callAgainst(
      [{ fault: 'context-length', contextWindow: 32_768, promptTokens: 40_000 }, { text: 'unused' }],
      { maxRetries: 2 },
    );
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    const exceeded = error as ContextWindowExceededError;
    expect(exceeded.modelId).toBe('gpt-4.1');
    expect(exceeded.contextWindow).toBe(32_768);
    expect(exceeded.promptTokens).toBe(40_000);
    expect(exceeded.isRetryable).toBe(false);
    // The model was declared with a 50,000-token window, larger than the server's: say how to fix it.
    expect(exceeded.message).toContain('set { contextWindow: 32768 } on the model');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    500, 502, 503,
  ] as const)('%i → retryable APICallError with the status, after the retries', async (status) => {
    const { server, error } = await callAgainst(
      [
        { fault: 'server-error', status },
        { fault: 'server-error', status },
        { fault: 'server-error', status },
      ],
      { maxRetries: 2 },
    );
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(status);
    expect(apiError.isRetryable).toBe(true);
    expect(apiError.url).toBe(`${server.openaiBaseURL}/chat/completions`);
    expect(apiError.message).toContain(`failed with a server error (${status}: `);
    expect(server.requests).toHaveLength(3);
  });

  it('429 after the retries → RateLimitError with retryAfterMs', async () => {
    const { server, error } = await callAgainst(
      [
        { fault: 'rate-limit', retryAfterSeconds: 0 },
        // The last attempt's wait is reported, not waited for.
        { fault: 'rate-limit', retryAfterSeconds: 30 },
      ],
      { maxRetries: 0, maxRateLimitRetries: 1 },
    );
    expect(RateLimitError.isInstance(error)).toBe(true);
    const limited = error as RateLimitError;
    expect(limited.statusCode).toBe(429);
    expect(limited.retryAfterMs).toBe(30_000);
    expect(limited.isRetryable).toBe(true);
    expect(limited.message).toContain('rate-limited the call (429: ');
    expect(limited.message).toContain('it asked to wait 30000 ms');
    expect(server.requests).toHaveLength(2);
  });

  for (const stream of [false, true]) {
    it(`a body or stream event that does not parse → retryable APICallError pointing at baseURL, after the retries (${stream ? 'stream' : 'JSON'})`, async () => {
      const { server, error } = await callAgainst(
        [{ fault: 'malformed-json' }, { fault: 'malformed-json' }, { fault: 'malformed-json' }],
        { maxRetries: 2, stream },
      );
      expect(APICallError.isInstance(error)).toBe(true);
      const apiError = error as APICallError;
      expect(apiError.isRetryable).toBe(true);
      expect(apiError.statusCode).toBe(200);
      expect(apiError.message).toContain(`The server at ${server.openaiBaseURL} `);
      expect(apiError.message).toContain('the call is retried');
      expect(apiError.message).toContain('it usually ends in /v1');
      expect(server.requests).toHaveLength(3);
    });

    it(`a truncated body or broken stream, then a good answer → the answer (${stream ? 'stream' : 'JSON'})`, async () => {
      const server = await startServer({
        replies: [
          { fault: 'malformed-json' },
          { fault: 'drop-connection', afterBytes: 40 },
          { fault: 'drop-connection' },
          { text: 'made it' },
        ],
      });
      const seen: unknown[] = [];
      const model = createOpenAI({
        baseURL: server.openaiBaseURL,
        apiKey: 'k',
        maxRetries: 3,
        retry: { initialDelayMs: 1, onRetry: ({ error }) => seen.push(error) },
      })('gpt-4.1', { stream });
      const result = await model.doGenerate({ messages });
      expect(result.text).toBe('made it');
      expect(server.requests).toHaveLength(4);
      expect(seen).toHaveLength(3);
      expect(seen.every((error) => APICallError.isInstance(error) && error.isRetryable)).toBe(true);
    });

    it(`a dropped connection → APIConnectionError, retried until it works (${stream ? 'stream' : 'JSON'})`, async () => {
      const server = await startServer({
        replies: [
          { fault: 'drop-connection' },
          { fault: 'drop-connection', afterBytes: 20 },
          { text: 'made it' },
        ],
      });
      const seen: unknown[] = [];
      const model = createOpenAI({
        baseURL: server.openaiBaseURL,
        apiKey: 'k',
        retry: { initialDelayMs: 1, onRetry: ({ error }) => seen.push(error) },
      })('gpt-4.1', { stream });
      const result = await model.doGenerate({ messages });
      expect(result.text).toBe('made it');
      expect(server.requests).toHaveLength(3);
      expect(seen.map((error) => APIConnectionError.isInstance(error))).toEqual([true, true]);
    });
  }

  it('a connection dropped before or during the response → APIConnectionError that says which, and that it can be retried', async () => {
    const before = await callAgainst([{ fault: 'drop-connection' }]);
    expect(APIConnectionError.isInstance(before.error)).toBe(true);
    expect((before.error as APIConnectionError).isRetryable).toBe(true);
    expect((before.error as Error).message).toMatch(
      /^The connection to http:\/\/127\.0\.0\.1:\d+\/v1 failed before a response arrived \(.*(other side closed|socket hang up|closed the connection without answering).*\)\. The call can be retried\.$/,
    );
    const during = await callAgainst([{ fault: 'drop-connection', afterBytes: 10 }]);
    expect(APIConnectionError.isInstance(during.error)).toBe(true);
    expect((during.error as Error).message).toMatch(
      /^The connection to http:\/\/127\.0\.0\.1:\d+\/v1 failed mid-response \(terminated: (other side closed \[UND_ERR_SOCKET\]|the connection closed before the whole answer arrived)\)\. The call can be retried\.$/,
    );
  });

  it('no answer within the timeout → APITimeoutError, retried', async () => {
    const server = await startServer({
      replies: [
        { fault: 'slow-first-byte', delayMs: 2_000 },
        { fault: 'slow-first-byte', delayMs: 2_000 },
      ],
    });
    const started = performance.now();
    const error = await failureOf(
      createOpenAI({
        baseURL: server.openaiBaseURL,
        apiKey: 'k',
        timeout: 100,
        maxRetries: 1,
        retry: { initialDelayMs: 1 },
      })('gpt-4.1').doGenerate({ messages }),
    );
    expect(APITimeoutError.isInstance(error)).toBe(true);
    expect((error as APITimeoutError).isRetryable).toBe(true);
    expect((error as Error).message).toContain(`No response from ${server.openaiBaseURL} within 100 ms`);
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(1_800);
  });

  it('nothing listening → APIConnectionError that names the base URL', async () => {
    const server = await startServer({ replies: [] });
    const baseURL = server.openaiBaseURL;
    await server.close();
    const error = await failureOf(
      createOpenAI({ baseURL, apiKey: 'none', maxRetries: 1, retry: { initialDelayMs: 1 } })(
        'llama3',
      ).doGenerate({
        messages,
      }),
    );
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Could not connect to ${baseURL.replace(/[.]/g, '\\.')} \\(.*ECONNREFUSED.*\\)\\. Is the server running\\? Check baseURL\\.$`,
      ),
    );
  });
});

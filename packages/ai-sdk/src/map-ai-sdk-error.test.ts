import {
  APICallError as AISDKAPICallError,
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  TypeValidationError,
} from '@ai-sdk/provider';
import {
  APICallError,
  APIConnectionError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
  RLMError,
} from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { mapAISDKError } from './map-ai-sdk-error';

// The AI SDK's own error classes, as its providers throw them (the errors are the outer wire here).
const context = { provider: 'google.generative-ai', modelId: 'gemini-x', contextWindow: 1_000_000 };
const url = 'https://api.example.test/v1/chat';

function apiError(fields: Partial<ConstructorParameters<typeof AISDKAPICallError>[0]> = {}) {
  return new AISDKAPICallError({ message: 'Bad thing', url, requestBodyValues: {}, ...fields });
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the mapped errors' fields freely
function mapped(error: unknown): any {
  return mapAISDKError(error, context);
}

describe('mapAISDKError', () => {
  it('keeps what it was given: core errors as they are, anything not of the AI SDK as it is', () => {
    const core = new RateLimitError({ provider: 'p', message: 'm' });
    expect(mapped(core)).toBe(core);
    const plain = new Error('a bug');
    expect(mapped(plain)).toBe(plain);
    expect(mapped('text')).toBe('text');
    expect(mapped(null)).toBeNull();
    // An object carrying some other marker is not an AI SDK API error.
    const other = { [Symbol.for('vercel.ai.error.AI_Other')]: true, statusCode: 401 };
    expect(mapped(other)).toBe(other);
  });

  it('401 and 403 are AuthenticationErrors naming the URL, status and what to check', () => {
    for (const statusCode of [401, 403]) {
      const error = mapped(apiError({ statusCode, responseBody: '{"error":"no"}' }));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ statusCode, url, responseBody: '{"error":"no"}', isRetryable: false });
      expect(error.message).toBe(
        `${url} refused the API key (${statusCode}: Bad thing). Check the apiKey of the AI SDK provider (or its environment variable) and that it may use 'gemini-x'.`,
      );
      expect(error.provider).toBe('google.generative-ai');
    }
  });

  it('404 is a ModelNotFoundError; without a URL the message names the model’s server', () => {
    const error = mapped(apiError({ statusCode: 404, url: undefined as never }));
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect(error.modelId).toBe('gemini-x');
    expect(error.url).toBeUndefined();
    expect(error.message).toBe(
      "the server of 'gemini-x' does not know the model 'gemini-x' (404: Bad thing). Check the model id and the provider's baseURL.",
    );
  });

  it.each([
    [
      'in the message',
      {
        message:
          "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      },
    ],
    [
      'only in the body',
      {
        message: 'Bad Request',
        responseBody: '{"error":{"message":"prompt is too long: 9000 tokens > 8192 maximum"}}',
      },
    ],
  ])('"prompt too long" %s is a ContextWindowExceededError with the numbers and the option to set', (_where, fields) => {
    const error = mapped(apiError({ statusCode: 400, ...fields }));
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ modelId: 'gemini-x', contextWindow: 8192, promptTokens: 9000 });
    expect(error.message).toContain(
      'pass fromAISDK(model, { contextWindow: 8192 }) so that the loop splits before sending.',
    );
  });

  it('a "prompt too long" without numbers keeps the model’s window and gives no option to set', () => {
    const error = mapped(
      apiError({ statusCode: 400, message: 'input length exceeds maximum context length' }),
    );
    expect(error).toMatchObject({ contextWindow: 1_000_000 });
    expect(error.promptTokens).toBeUndefined();
    expect(error.message).toBe(
      "The prompt does not fit the context window of 'gemini-x' (400: input length exceeds maximum context length). Send a smaller piece.",
    );
  });

  it('a window larger than the model’s is no reason to lower it', () => {
    const error = mapped(
      apiError({ statusCode: 400, message: 'prompt is too long: 3000000 tokens > 2000000 maximum' }),
    );
    expect(error.contextWindow).toBe(2_000_000);
    expect(error.message).toMatch(/Send a smaller piece\.$/);
  });

  it('429 is a RateLimitError with Retry-After in any case of header name, or none', () => {
    const error = mapped(
      apiError({ statusCode: 429, responseHeaders: { 'Retry-After': '2', 'x-other': 'y' } }),
    );
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryAfterMs: 2000, isRetryable: true, statusCode: 429 });
    expect(error.message).toBe(
      `${url} rate-limited the call (429: Bad thing); it asked to wait 2000 ms. Lower the concurrency (maxConcurrency of createRLM) or raise maxRetries.`,
    );
    const without = mapped(apiError({ statusCode: 429 }));
    expect(without.retryAfterMs).toBeUndefined();
    expect(without.message).toBe(
      `${url} rate-limited the call (429: Bad thing). Lower the concurrency (maxConcurrency of createRLM) or raise maxRetries.`,
    );
    // A 429 the provider marked final (a quota, not a rate) stays final.
    expect(mapped(apiError({ statusCode: 429, isRetryable: false })).isRetryable).toBe(false);
  });

  it.each([
    [500, true, 'failed with a server error'],
    [503, true, 'failed with a server error'],
    [499, false, 'rejected the request'],
    [400, false, 'rejected the request'],
    [409, true, 'rejected the request'],
  ])('%i is an APICallError, retryable: %s, "%s"', (statusCode, retryable, said) => {
    const error = mapped(apiError({ statusCode, responseBody: 'x'.repeat(20_000) }));
    expect(APICallError.isInstance(error)).toBe(true);
    expect(RateLimitError.isInstance(error)).toBe(false);
    expect(error.isRetryable).toBe(retryable);
    expect(error.message).toBe(`${url} ${said} (${statusCode}: Bad thing).`);
    expect(error.responseBody).toHaveLength(10_000);
  });

  it("keeps the provider's own retry decision", () => {
    expect(mapped(apiError({ statusCode: 400, isRetryable: true })).isRetryable).toBe(true);
    expect(mapped(apiError({ statusCode: 500, isRetryable: false })).isRetryable).toBe(false);
  });

  it('a 2xx whose body did not parse is retried, whatever the AI SDK said', () => {
    for (const statusCode of [200, 299]) {
      const error = mapped(
        apiError({ statusCode, isRetryable: false, message: 'Invalid JSON response\nmore' }),
      );
      expect(error.isRetryable).toBe(true);
      expect(error.message).toBe(
        `${url} answered ${statusCode} with a body that could not be read (Invalid JSON response). It may have been cut or garbled on the way, so the call is retried; if it keeps happening, check the provider's baseURL.`,
      );
    }
    expect(mapped(apiError({ statusCode: 300 })).isRetryable).toBe(false);
  });

  it('a failed fetch (no status) is an APIConnectionError with the cause chain and its code', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: socket });
    const error = mapped(
      apiError({ message: 'Cannot connect to API: fetch failed', cause: fetchFailed, isRetryable: true }),
    );
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toBe(
      `Could not reach ${url} (Cannot connect to API: fetch failed: fetch failed: connect ECONNREFUSED 127.0.0.1:9). Is the server running? Check the provider's baseURL. The call can be retried.`,
    );
    const coded = new Error('socket hang up', {
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    });
    expect(mapped(apiError({ message: 'lost', cause: coded })).message).toContain(
      '(lost: socket hang up: reset [ECONNRESET])',
    );
    const first = Object.assign(new Error('outer'), {
      code: 'EFIRST',
      cause: Object.assign(new Error('inner'), { code: 'ESECOND' }),
    });
    expect(mapped(apiError({ message: 'm', cause: first })).message).toContain('(m: outer: inner [EFIRST])');
  });

  it('a long first line is cut at 500 characters', () => {
    const error = mapped(apiError({ statusCode: 400, message: 'y'.repeat(600) }));
    expect(error.message).toBe(`${url} rejected the request (400: ${'y'.repeat(500)}…).`);
    expect(mapped(apiError({ statusCode: 400, message: 'z'.repeat(500) })).message).toBe(
      `${url} rejected the request (400: ${'z'.repeat(500)}).`,
    );
  });

  it('a missing API key is an AuthenticationError with the provider’s own advice', () => {
    const error = mapped(
      new LoadAPIKeyError({ message: 'Google API key is missing. Set GOOGLE_GENERATIVE_AI_API_KEY.' }),
    );
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      "The AI SDK provider of 'gemini-x' has no API key: Google API key is missing. Set GOOGLE_GENERATIVE_AI_API_KEY.",
    );
  });

  it.each([
    ['JSONParseError', new JSONParseError({ text: '{', cause: new SyntaxError('Unexpected end') })],
    ['TypeValidationError', new TypeValidationError({ value: {}, cause: new Error('choices missing') })],
    ['InvalidResponseDataError', new InvalidResponseDataError({ data: {}, message: 'Expected text' })],
    ['EmptyResponseBodyError', new EmptyResponseBodyError({})],
  ])('a response the provider could not read (%s) is a retryable APICallError', (_name, cause) => {
    const error = mapped(cause);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(RLMError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(
      /^The server behind 'gemini-x' answered with a response its AI SDK provider could not read \(.+\)\. It may have been cut or garbled on the way, so the call is retried; if it keeps happening, check the base URL of the provider\.$/,
    );
  });
});

import Anthropic from '@anthropic-ai/sdk';
import {
  APICallError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
} from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { mapAnthropicError, notAMessageError } from './map-anthropic-error';
import { IncompleteStreamError } from './read-anthropic-stream';

const context = { modelId: 'claude-haiku-4-5', baseURL: 'http://gateway.local', contextWindow: 200_000 };
const url = 'http://gateway.local/v1/messages';

/** An error as the SDK builds it from a JSON error body (`status` undefined: an `error` event in a stream). */
function sdkError(
  status: number | undefined,
  type: string | undefined,
  message: string,
  headers: Record<string, string> = {},
) {
  return new Anthropic.APIError(
    status,
    { type: 'error', error: { ...(type === undefined ? {} : { type }), message } },
    undefined,
    new Headers(headers),
  );
}

/** What `mapAnthropicError` made of `error`, read freely. */
// biome-ignore lint/suspicious/noExplicitAny: tests read the mapped errors' fields freely
function mapped(error: unknown): any {
  return mapAnthropicError(error, context);
}

/** A socket error as Node raises it, `code` on the error itself. */
function socketError(message: string, code: unknown) {
  return Object.assign(new Error(message), { code });
}

const connectionAdvice = 'Check baseURL (or ANTHROPIC_BASE_URL) and the network.';

describe('mapAnthropicError: errors without a status', () => {
  it('an error that already is core’s passes through untouched, even when its cause is a socket error', () => {
    const alreadyMapped = new APIConnectionError({
      provider: 'anthropic',
      message: 'mapped before',
      cause: socketError('read ECONNRESET', 'ECONNRESET'),
    });
    expect(mapped(alreadyMapped)).toBe(alreadyMapped);
  });

  it("the SDK's timeout → APITimeoutError saying to raise `timeout` or stream", () => {
    const cause = new Anthropic.APIConnectionTimeoutError();
    const error = mapped(cause);
    expect(APITimeoutError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `The Anthropic request to ${url} timed out. Raise the provider's \`timeout\`, or use \`stream: true\` for long outputs.`,
    );
    expect(error).toMatchObject({ provider: 'anthropic', url, isRetryable: true, cause });
    expect(error.statusCode).toBeUndefined();
  });

  it("the SDK's connection error → retryable APIConnectionError naming the base URL", () => {
    const cause = new Anthropic.APIConnectionError({
      message: undefined,
      cause: new Error('other side closed'),
    });
    const error = mapped(cause);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(APITimeoutError.isInstance(error)).toBe(false);
    expect(error.message).toBe(
      `Could not complete the request to the Anthropic API at http://gateway.local: Connection error. ${connectionAdvice}`,
    );
    expect(error).toMatchObject({ provider: 'anthropic', url, isRetryable: true, cause });
  });

  it('a stream that ended before message_stop → retryable APIConnectionError', () => {
    const cause = new IncompleteStreamError();
    const error = mapped(cause);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Could not complete the request to the Anthropic API at http://gateway.local: ${cause.message} ${connectionAdvice}`,
    );
    expect(error).toMatchObject({ url, isRetryable: true, cause });
  });

  it('a body that does not parse → retryable APICallError (status 200) naming the base URL', () => {
    const cause = new SyntaxError('Unexpected end of JSON input');
    const error = mapped(cause);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(APIConnectionError.isInstance(error)).toBe(false);
    expect(error.message).toBe(
      `The answer from ${url} is not valid JSON (Unexpected end of JSON input); the call is retried. ` +
        'If it keeps happening, check that baseURL (http://gateway.local) points at the Anthropic Messages API.',
    );
    expect(error).toMatchObject({ provider: 'anthropic', url, statusCode: 200, isRetryable: true, cause });
  });

  it('a 200 that parses but is not a Messages API object → not retried, naming the base URL', () => {
    const error = notAMessageError(context, 'expected a Messages API object, got text starting "<html>"');
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `The answer from ${url} is not a Messages API object (expected a Messages API object, got text starting "<html>"). ` +
        'Check that baseURL (http://gateway.local) points at the Anthropic Messages API.',
    );
    expect(error).toMatchObject({ provider: 'anthropic', url, statusCode: 200, isRetryable: false });
  });
});

describe('mapAnthropicError: fetch and socket failures outside the SDK', () => {
  for (const message of ['terminated', 'fetch failed', 'NetworkError when attempting to fetch resource.']) {
    it(`a TypeError '${message}' → retryable APIConnectionError with that detail`, () => {
      const cause = new TypeError(message);
      const error = mapped(cause);
      expect(APIConnectionError.isInstance(error)).toBe(true);
      expect(error.message).toBe(
        `Could not complete the request to the Anthropic API at http://gateway.local: ${message.replace(/\.$/, '')}. ${connectionAdvice}`,
      );
      expect(error).toMatchObject({ url, isRetryable: true, cause });
    });
  }

  it('another error class with the same message, or a TypeError about something else, is a bug: left as it is', () => {
    for (const bug of [
      new Error('fetch failed'),
      new RangeError('terminated'),
      new TypeError('cannot read properties of undefined'),
    ]) {
      expect(mapped(bug)).toBe(bug);
    }
  });

  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']) {
    it(`a socket error ${code}, on the error or on its cause → APIConnectionError`, () => {
      const own = mapped(socketError(`socket: ${code}`, code));
      expect(APIConnectionError.isInstance(own)).toBe(true);
      expect(own.message).toBe(
        `Could not complete the request to the Anthropic API at http://gateway.local: socket: ${code}. ${connectionAdvice}`,
      );
      const wrapped = mapped(new Error('body read failed', { cause: socketError('inner', code) }));
      expect(APIConnectionError.isInstance(wrapped)).toBe(true);
      expect(wrapped.message).toContain(': body read failed. ');
    });
  }

  it('codes that are not socket failures, or only contain one in the middle, are left as they are', () => {
    for (const bug of [
      socketError('bad URL', 'ERR_INVALID_URL'),
      socketError('not a socket code', 'ERR_ECONNRESET_HANDLER'),
      socketError('errno, not a code', -104),
      socketError('prints as one, but is no string', ['ECONNRESET']),
      new Error('wrapped', { cause: socketError('inner', 'ERR_STREAM_PREMATURE_CLOSE') }),
    ]) {
      expect(mapped(bug)).toBe(bug);
    }
  });

  it("the error's own code decides over its cause's", () => {
    const ownNotSocket = new Error('own code wins', { cause: socketError('inner', 'ECONNRESET') });
    Object.assign(ownNotSocket, { code: 'ERR_INVALID_ARG_TYPE' });
    expect(mapped(ownNotSocket)).toBe(ownNotSocket);
  });

  it('what is not an Error at all is left as it is, even with a socket code', () => {
    const thrown = { code: 'ECONNRESET', message: 'not an Error' };
    expect(mapped(thrown)).toBe(thrown);
    expect(mapped('ECONNRESET')).toBe('ECONNRESET');
    expect(mapped(undefined)).toBeUndefined();
  });
});

describe('mapAnthropicError: an error event inside a 200 stream (no status)', () => {
  for (const type of ['overloaded_error', 'api_error']) {
    it(`${type} → retryable APICallError`, () => {
      const cause = sdkError(undefined, type, 'Overloaded');
      const error = mapped(cause);
      expect(APICallError.isInstance(error)).toBe(true);
      expect(RateLimitError.isInstance(error)).toBe(false);
      expect(error.message).toBe(`The Anthropic stream failed with ${type}: Overloaded`);
      expect(error).toMatchObject({ provider: 'anthropic', url, isRetryable: true, cause });
      expect(error.statusCode).toBeUndefined();
      expect(error.retryAfterMs).toBeUndefined();
      expect(JSON.parse(error.responseBody)).toEqual({
        type: 'error',
        error: { type, message: 'Overloaded' },
      });
    });
  }

  it('invalid_request_error, or an event without a type → not retried', () => {
    const invalid = mapped(sdkError(undefined, 'invalid_request_error', 'bad'));
    expect(invalid.message).toBe('The Anthropic stream failed with invalid_request_error: bad');
    expect(invalid.isRetryable).toBe(false);
    const untyped = mapped(sdkError(undefined, undefined, 'something broke'));
    expect(untyped.message).toBe('The Anthropic stream failed with an error: something broke');
    expect(untyped.isRetryable).toBe(false);
  });

  it('an event without a message shows the event itself', () => {
    const event = { type: 'error', error: { type: 'overloaded_error' } };
    const error = mapped(new Anthropic.APIError(undefined, event, undefined, new Headers()));
    expect(error.message).toBe(`The Anthropic stream failed with overloaded_error: ${JSON.stringify(event)}`);
    expect(error.responseBody).toBe(JSON.stringify(event));
  });

  it('rate_limit_error → retryable RateLimitError', () => {
    const error = mapped(sdkError(undefined, 'rate_limit_error', 'slow down'));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error.message).toBe('Anthropic rate-limited the stream: slow down');
    expect(error).toMatchObject({ url, isRetryable: true });
  });
});

describe('mapAnthropicError: statuses', () => {
  it('401 and 403 → AuthenticationError naming ANTHROPIC_API_KEY, apiKey and the model, not retried', () => {
    for (const [status, message] of [
      [401, 'invalid x-api-key'],
      [403, 'Your API key does not have permission to use the specified resource.'],
    ] as const) {
      const cause = sdkError(status, 'authentication_error', message);
      const error = mapped(cause);
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error.message).toBe(
        `Anthropic refused the API key (${status}: ${message}). Set the ANTHROPIC_API_KEY environment ` +
          "variable, or pass apiKey to createAnthropic({ apiKey }), with a key that may use 'claude-haiku-4-5'.",
      );
      expect(error).toMatchObject({
        provider: 'anthropic',
        url,
        statusCode: status,
        isRetryable: false,
        cause,
      });
    }
  });

  it('404 → ModelNotFoundError with an example id and the /v1 advice', () => {
    const error = mapped(sdkError(404, 'not_found_error', 'model: claude-haiku-4-5'));
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect(error.modelId).toBe('claude-haiku-4-5');
    expect(error.message).toBe(
      "Anthropic does not know the model 'claude-haiku-4-5' (404: model: claude-haiku-4-5). Check the id " +
        "(e.g. 'claude-sonnet-4-5'); if you set baseURL (http://gateway.local), it must not end in /v1.",
    );
    expect(error).toMatchObject({ url, statusCode: 404, isRetryable: false });
  });

  it("400 'prompt is too long' → ContextWindowExceededError with the counts the message states", () => {
    const cause = sdkError(
      400,
      'invalid_request_error',
      'prompt is too long: 250123 tokens > 100000 maximum',
    );
    const error = mapped(cause);
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(APICallError.isInstance(error)).toBe(false);
    expect(error).toMatchObject({
      modelId: 'claude-haiku-4-5',
      promptTokens: 250_123,
      contextWindow: 100_000,
      isRetryable: false,
      cause,
    });
    expect(error.message).toBe(
      "The prompt does not fit the context window of 'claude-haiku-4-5' " +
        '(prompt is too long: 250123 tokens > 100000 maximum). Send a smaller piece.',
    );
  });

  it('reads the counts with or without spaces around them, and falls back to the known window without them', () => {
    const counts = (message: string) => {
      const error = mapped(sdkError(400, 'invalid_request_error', message));
      expect(ContextWindowExceededError.isInstance(error)).toBe(true);
      return [error.promptTokens, error.contextWindow];
    };
    expect(counts('prompt is too long: 250123tokens>100000 maximum')).toEqual([250_123, 100_000]);
    expect(counts('prompt is too long: 250123  tokens  >  100000 maximum')).toEqual([250_123, 100_000]);
    expect(counts('Prompt is too long')).toEqual([undefined, 200_000]);
  });

  it('a 400 about something else, or "prompt is too long" with another status, is a plain APICallError', () => {
    const other = mapped(sdkError(400, 'invalid_request_error', 'max_tokens: must be at least 1'));
    expect(ContextWindowExceededError.isInstance(other)).toBe(false);
    expect(other.message).toBe('The Anthropic call failed (400: max_tokens: must be at least 1).');
    expect(other).toMatchObject({ statusCode: 400, isRetryable: false });
    const tooLarge = mapped(sdkError(413, 'request_too_large', 'prompt is too long: 3 tokens > 2'));
    expect(ContextWindowExceededError.isInstance(tooLarge)).toBe(false);
    expect(tooLarge.message).toBe('The Anthropic call failed (413: prompt is too long: 3 tokens > 2).');
  });

  it('429 → RateLimitError with the wait it asks for, rounded up to whole seconds in the message', () => {
    const advice = ' Lower the concurrency (maxConcurrency) or raise maxRetries.';
    const limited = (headers: Record<string, string>) =>
      mapped(sdkError(429, 'rate_limit_error', 'Number of requests exceeded', headers));
    const withWait = limited({ 'retry-after-ms': '1500' });
    expect(RateLimitError.isInstance(withWait)).toBe(true);
    expect(withWait).toMatchObject({ statusCode: 429, retryAfterMs: 1_500, isRetryable: true, url });
    expect(withWait.message).toBe(
      `Anthropic rate-limited the call (429: Number of requests exceeded); it asks to retry after 2 s.${advice}`,
    );
    const now = limited({ 'retry-after': '0' });
    expect(now.retryAfterMs).toBe(0);
    expect(now.message).toBe(
      `Anthropic rate-limited the call (429: Number of requests exceeded); it asks to retry after 0 s.${advice}`,
    );
    const unsaid = limited({});
    expect(unsaid.retryAfterMs).toBeUndefined();
    expect(unsaid.message).toBe(
      `Anthropic rate-limited the call (429: Number of requests exceeded).${advice}`,
    );
  });

  it('529 → retryable "overloaded"; other statuses → APICallError, retryable by status', () => {
    const overloaded = mapped(sdkError(529, 'overloaded_error', 'Overloaded'));
    expect(overloaded.message).toBe('Anthropic is overloaded (529: Overloaded). Retry later.');
    expect(overloaded).toMatchObject({ statusCode: 529, isRetryable: true, url });
    const failed = (status: number) => mapped(sdkError(status, 'x', 'y'));
    expect(failed(500).message).toBe('The Anthropic call failed (500: y).');
    expect([408, 409, 413, 500, 503].map((status) => failed(status).isRetryable)).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
  });

  it('keeps the error body as responseBody, cut to 4,000 characters', () => {
    const short = mapped(sdkError(500, 'api_error', 'Internal server error'));
    expect(short.responseBody).toBe(
      '{"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
    );
    const long = mapped(sdkError(500, 'api_error', 'x'.repeat(5_000)));
    expect(long.responseBody).toBe(JSON.stringify(long.cause.error).slice(0, 4_000));
    expect(long.responseBody).toHaveLength(4_000);
  });

  it("a body that is not Anthropic's JSON: the server's own words, without the SDK's status prefix", () => {
    const foreign = mapped(new Anthropic.APIError(404, { detail: 'Not Found' }, undefined, new Headers()));
    expect(ModelNotFoundError.isInstance(foreign)).toBe(true);
    expect(foreign.message).toContain('(404: {"detail":"Not Found"})');
    expect(foreign.responseBody).toBe('{"detail":"Not Found"}');
    const topLevel = mapped(
      new Anthropic.APIError(502, { message: 'upstream connect error', code: 502 }, undefined, new Headers()),
    );
    expect(topLevel.message).toBe('The Anthropic call failed (502: upstream connect error).');
    expect(topLevel.responseBody).toBe('{"message":"upstream connect error","code":502}');
  });

  it("a body that is not JSON (a proxy's HTML page): in the message cut to 500 characters, whole in responseBody up to 4,000", () => {
    const page = `<html><body>${'Bad gateway. '.repeat(400)}</body></html>`;
    const error = mapped(new Anthropic.APIError(502, undefined, page, new Headers()));
    expect(error.message).toBe(`The Anthropic call failed (502: ${page.slice(0, 500)}).`);
    expect(error.responseBody).toBe(page.slice(0, 4_000));
    expect(error).toMatchObject({ statusCode: 502, isRetryable: true });
  });

  it('an empty body: no responseBody, and the message says there was none', () => {
    for (const body of ['', '   ']) {
      const error = mapped(new Anthropic.APIError(503, undefined, body, new Headers()));
      expect(error.message).toBe('The Anthropic call failed (503: status code (no body)).');
      expect(error.responseBody).toBeUndefined();
    }
  });
});

import Anthropic from '@anthropic-ai/sdk';
import { APICallError, AuthenticationError, RateLimitError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { mapAnthropicError, notAMessageError } from './map-anthropic-error';

const context = { modelId: 'claude-haiku-4-5', baseURL: 'http://gateway.local', contextWindow: 200_000 };

function sdkError(status: number | undefined, type: string, message: string) {
  const headers = new Headers(status === 429 ? { 'retry-after': '7' } : {});
  return new Anthropic.APIError(
    status,
    { type: 'error', error: { type, message } },
    undefined,
    headers,
    null,
  );
}

// Cases the test server cannot produce: error events inside a 200 stream, and rarer statuses.
describe('mapAnthropicError', () => {
  it('an overloaded_error event mid-stream is retryable; an invalid_request_error event is not', () => {
    const overloaded = mapAnthropicError(sdkError(undefined, 'overloaded_error', 'Overloaded'), context);
    expect(APICallError.isInstance(overloaded)).toBe(true);
    expect((overloaded as APICallError).isRetryable).toBe(true);
    expect((overloaded as APICallError).statusCode).toBeUndefined();
    const invalid = mapAnthropicError(sdkError(undefined, 'invalid_request_error', 'bad'), context);
    expect((invalid as APICallError).isRetryable).toBe(false);
  });

  it('a rate_limit_error event mid-stream is a RateLimitError', () => {
    expect(
      RateLimitError.isInstance(mapAnthropicError(sdkError(undefined, 'rate_limit_error', 'slow'), context)),
    ).toBe(true);
  });

  it('403 is an AuthenticationError; 408 and 409 are retryable; 413 is not', () => {
    expect(
      AuthenticationError.isInstance(mapAnthropicError(sdkError(403, 'permission_error', 'no'), context)),
    ).toBe(true);
    const statuses = [408, 409, 413].map(
      (status) => (mapAnthropicError(sdkError(status, 'x', 'y'), context) as APICallError).isRetryable,
    );
    expect(statuses).toEqual([true, true, false]);
  });

  it('keeps the Retry-After of a 429 and the response body', () => {
    const error = mapAnthropicError(
      sdkError(429, 'rate_limit_error', 'Number of requests exceeded'),
      context,
    );
    expect((error as RateLimitError).retryAfterMs).toBe(7_000);
    expect((error as RateLimitError).responseBody).toContain('Number of requests exceeded');
    expect((error as RateLimitError).url).toBe('http://gateway.local/v1/messages');
  });

  it('a 200 that parses but is not a Messages API object is not retried; a SyntaxError (cut or garbled) is', () => {
    const wrongShape = notAMessageError(
      context,
      'expected a Messages API object, got text starting "<html>"',
    );
    expect(wrongShape.isRetryable).toBe(false);
    expect(wrongShape.message).toContain('http://gateway.local');
    const garbled = mapAnthropicError(new SyntaxError('Unexpected end of JSON input'), context);
    expect((garbled as APICallError).isRetryable).toBe(true);
  });

  it('leaves errors it does not recognise as they are (a bug stays a bug, never retried)', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(mapAnthropicError(bug, context)).toBe(bug);
  });
});

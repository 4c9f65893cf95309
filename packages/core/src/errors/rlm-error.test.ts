import { describe, expect, it } from 'vitest';
import { APICallError, AuthenticationError, ModelNotFoundError, RateLimitError } from './api-call-error';
import { ContextWindowExceededError } from './context-window-exceeded-error';
import { InvalidArgumentError } from './invalid-argument-error';
import { LimitExceededError } from './limit-exceeded-error';
import { RLMError } from './rlm-error';

describe('error hierarchy', () => {
  it('isInstance holds for the class and its ancestors, not for siblings', () => {
    const auth = new AuthenticationError({
      provider: 'openai',
      message: 'Set OPENAI_API_KEY.',
      statusCode: 401,
    });
    expect(auth.name).toBe('AuthenticationError');
    expect(AuthenticationError.isInstance(auth)).toBe(true);
    expect(APICallError.isInstance(auth)).toBe(true);
    expect(RLMError.isInstance(auth)).toBe(true);
    expect(RateLimitError.isInstance(auth)).toBe(false);
    expect(ModelNotFoundError.isInstance(auth)).toBe(false);
    expect(auth.isRetryable).toBe(false);
    expect(auth instanceof Error).toBe(true);
  });

  it('works across duplicate installs, where instanceof does not', () => {
    // A copy of the library would create its own classes; only the Symbol.for marker is shared.
    const foreign = Object.assign(new Error('limit'), {
      name: 'LimitExceededError',
      [Symbol.for('@rlm/core.error')]: ['LimitExceededError', 'RLMError'],
    });
    expect(foreign instanceof LimitExceededError).toBe(false);
    expect(LimitExceededError.isInstance(foreign)).toBe(true);
    expect(RLMError.isInstance(foreign)).toBe(true);
    expect(InvalidArgumentError.isInstance(foreign)).toBe(false);
  });

  it('derives retryability from the status', () => {
    expect(new APICallError({ provider: 'x', message: 'm', statusCode: 503 }).isRetryable).toBe(true);
    expect(new APICallError({ provider: 'x', message: 'm', statusCode: 400 }).isRetryable).toBe(false);
    expect(
      new RateLimitError({ provider: 'x', message: 'm', statusCode: 429, retryAfterMs: 2000 }),
    ).toMatchObject({
      isRetryable: true,
      retryAfterMs: 2000,
      name: 'RateLimitError',
    });
  });

  it('keeps leaf errors distinct', () => {
    const window = new ContextWindowExceededError({ modelId: 'm', contextWindow: 10, promptTokens: 20 });
    expect(ContextWindowExceededError.isInstance(window)).toBe(true);
    expect(APICallError.isInstance(window)).toBe(false);
    expect(window.message).toContain('~20 tokens');
  });
});

import { APICallError } from '@rlm/core';
import type { OpenAIRequestContext } from './openai-request-context';

/**
 * The server answered 200 with something that is not a Chat Completions response: not JSON, no
 * `choices`, a broken stream. Usually the base URL points at something that is not an
 * OpenAI-compatible API, so it is not retried.
 */
export function malformedResponseError(
  context: OpenAIRequestContext,
  problem: string,
  options: { responseBody?: string; cause?: unknown } = {},
): APICallError {
  return new APICallError({
    provider: context.provider,
    message:
      `The server at ${context.baseURL} ${problem}: that is not an OpenAI Chat Completions response. ` +
      'Check that baseURL points at an OpenAI-compatible API (it usually ends in /v1).',
    statusCode: 200,
    isRetryable: false,
    url: `${context.baseURL}/chat/completions`,
    ...(options.responseBody === undefined ? {} : { responseBody: options.responseBody.slice(0, 2_000) }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

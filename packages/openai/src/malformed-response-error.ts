import { APICallError } from '@rlm/core';
import type { OpenAIRequestContext } from './openai-request-context';

/**
 * The server answered 200 with something that is not a Chat Completions response: not JSON, no
 * `choices`, a broken stream.
 *
 * A body or stream event that claims to be JSON but does not parse is usually a response cut or
 * garbled on the way (a proxy, a dropped connection, an overloaded server), so it is retried like
 * any transient failure (`retryable`, the default). A well-formed answer of the wrong shape (JSON
 * without `choices`, an HTML page) means the base URL points at something that is not an
 * OpenAI-compatible API; retrying it would give the same answer, so those pass `retryable: false`.
 */
export function malformedResponseError(
  context: OpenAIRequestContext,
  problem: string,
  options: { responseBody?: string; cause?: unknown; retryable?: boolean } = {},
): APICallError {
  const retryable = options.retryable ?? true;
  return new APICallError({
    provider: context.provider,
    message:
      `The server at ${context.baseURL} ${problem}: that is not an OpenAI Chat Completions response. ` +
      (retryable
        ? 'The response may have been cut or garbled on the way, so the call is retried; if it keeps happening, check that baseURL points at an OpenAI-compatible API (it usually ends in /v1).'
        : 'Check that baseURL points at an OpenAI-compatible API (it usually ends in /v1).'),
    statusCode: 200,
    isRetryable: retryable,
    url: `${context.baseURL}/chat/completions`,
    ...(options.responseBody === undefined ? {} : { responseBody: options.responseBody.slice(0, 2_000) }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

import Anthropic from '@anthropic-ai/sdk';
import {
  APICallError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
  RLMError,
} from '@rlm/core';
import { parseRetryAfter } from '@rlm/core/provider';
import type { AnthropicRequestContext } from './anthropic-request-context';
import { IncompleteStreamError } from './read-anthropic-stream';

const PROVIDER = 'anthropic';

/**
 * Maps whatever the SDK (or fetch underneath it) threw into core's error hierarchy, so the loop and
 * `retryWithBackoff` can tell what is retryable. Errors that already are `RLMError`s pass through.
 */
export function mapAnthropicError(error: unknown, context: AnthropicRequestContext): unknown {
  if (RLMError.isInstance(error)) return error;
  const url = `${context.baseURL}/v1/messages`;

  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return new APITimeoutError({
      provider: PROVIDER,
      message: `The Anthropic request to ${url} timed out. Raise the provider's \`timeout\`, or use \`stream: true\` for long outputs.`,
      url,
      cause: error,
    });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return connectionError(context, url, error.message, error);
  }
  if (error instanceof Anthropic.APIError) {
    return statusError(error, context, url);
  }
  if (error instanceof IncompleteStreamError) {
    return connectionError(context, url, error.message, error);
  }
  if (error instanceof SyntaxError) {
    // A body or stream event that claims to be JSON but does not parse: a response cut or garbled
    // on the way (a proxy, a dropped connection, an overloaded server). Retried like them.
    return new APICallError({
      provider: PROVIDER,
      message:
        `The answer from ${url} is not valid JSON (${error.message}); the call is retried. ` +
        `If it keeps happening, check that baseURL (${context.baseURL}) points at the Anthropic Messages API.`,
      url,
      statusCode: 200,
      isRetryable: true,
      cause: error,
    });
  }
  if (isNetworkFailure(error)) {
    return connectionError(context, url, (error as Error).message, error);
  }
  return error;
}

/**
 * A well-formed answer that is not a Messages API object (an HTML page, another API's JSON): the
 * base URL points at something else, and asking again would give the same answer, so not retried.
 */
export function notAMessageError(context: AnthropicRequestContext, description: string): APICallError {
  const url = `${context.baseURL}/v1/messages`;
  return new APICallError({
    provider: PROVIDER,
    message:
      `The answer from ${url} is not a Messages API object (${description}). ` +
      `Check that baseURL (${context.baseURL}) points at the Anthropic Messages API.`,
    url,
    statusCode: 200,
    isRetryable: false,
  });
}

function statusError(
  error: InstanceType<typeof Anthropic.APIError>,
  context: AnthropicRequestContext,
  url: string,
) {
  const status = error.status;
  const sdkText = withoutStatus(error);
  const noBody = sdkText === '' || sdkText === 'status code (no body)';
  const apiMessage = error.apiMessage ?? (noBody ? 'status code (no body)' : sdkText.slice(0, 500));
  // A body that is not JSON (a proxy's HTML error page) reaches us only inside the SDK's message.
  const responseBody = (
    error.error !== undefined ? JSON.stringify(error.error) : noBody ? undefined : sdkText
  )?.slice(0, 4_000);
  const retryAfterMs = parseRetryAfter(error.headers);
  const common = {
    provider: PROVIDER,
    url,
    cause: error,
    ...(status !== undefined ? { statusCode: status } : {}),
    ...(responseBody !== undefined ? { responseBody } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };

  // A stream can fail after its 200 with an `error` event, which has a type but no status.
  if (status === undefined) {
    const retryable = error.type === 'overloaded_error' || error.type === 'api_error';
    if (error.type === 'rate_limit_error') {
      return new RateLimitError({ ...common, message: `Anthropic rate-limited the stream: ${apiMessage}` });
    }
    return new APICallError({
      ...common,
      message: `The Anthropic stream failed with ${error.type ?? 'an error'}: ${apiMessage}`,
      isRetryable: retryable,
    });
  }
  if (status === 401 || status === 403) {
    return new AuthenticationError({
      ...common,
      message:
        `Anthropic refused the API key (${status}: ${apiMessage}). Set the ANTHROPIC_API_KEY environment ` +
        `variable, or pass apiKey to createAnthropic({ apiKey }), with a key that may use '${context.modelId}'.`,
    });
  }
  if (status === 404) {
    return new ModelNotFoundError({
      ...common,
      modelId: context.modelId,
      message:
        `Anthropic does not know the model '${context.modelId}' (404: ${apiMessage}). Check the id ` +
        `(e.g. 'claude-sonnet-4-5'); if you set baseURL (${context.baseURL}), it must not end in /v1.`,
    });
  }
  if (status === 400 && /prompt is too long/i.test(apiMessage)) {
    const counts = /(\d+)\s*tokens\s*>\s*(\d+)/.exec(apiMessage);
    return new ContextWindowExceededError({
      modelId: context.modelId,
      contextWindow: counts ? Number(counts[2]) : context.contextWindow,
      ...(counts ? { promptTokens: Number(counts[1]) } : {}),
      message:
        `The prompt does not fit the context window of '${context.modelId}' (${apiMessage}). ` +
        `Send a smaller piece.`,
      cause: error,
    });
  }
  if (status === 429) {
    return new RateLimitError({
      ...common,
      message:
        `Anthropic rate-limited the call (429: ${apiMessage})` +
        (retryAfterMs !== undefined ? `; it asks to retry after ${Math.ceil(retryAfterMs / 1000)} s.` : '.') +
        ' Lower the concurrency (maxConcurrency) or raise maxRetries.',
    });
  }
  if (status === 529) {
    return new APICallError({
      ...common,
      isRetryable: true,
      message: `Anthropic is overloaded (529: ${apiMessage}). Retry later.`,
    });
  }
  return new APICallError({
    ...common,
    message: `The Anthropic call failed (${status}: ${apiMessage}).`,
  });
}

/** The SDK's message without the status it starts with: "502 <html>…" → "<html>…". */
function withoutStatus(error: InstanceType<typeof Anthropic.APIError>): string {
  const prefix = `${error.status} `;
  return (error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message).trim();
}

function connectionError(context: AnthropicRequestContext, url: string, detail: string, cause: unknown) {
  return new APIConnectionError({
    provider: PROVIDER,
    url,
    cause,
    // The detail as a sentence of its own: "(Connection error.)." read twice-punctuated.
    message:
      `Could not complete the request to the Anthropic API at ${context.baseURL}: ${detail.replace(/\.+$/, '')}. ` +
      `Check baseURL (or ANTHROPIC_BASE_URL) and the network.`,
  });
}

/** Fetch and socket failures that reach us outside the SDK's wrapping (a body cut while being read). */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TypeError' && /terminated|fetch failed|network/i.test(error.message)) return true;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_)/.test(code);
}

import {
  APICallError,
  APIConnectionError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
  RLMError,
} from '@rlm/core';
import { detectContextWindowExceeded, parseRetryAfter } from '@rlm/core/provider';

/** Who was called, for messages. */
export interface AISDKCallContext {
  /** The provider id reported to the loop. */
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
}

/**
 * The AI SDK's error classes carry a `Symbol.for` marker per class (as ours do), so they are
 * recognised here without importing `@ai-sdk/provider`: whichever copy and major the user installed.
 */
function isAISDKError(error: unknown, name: string): error is Record<string, unknown> & Error {
  const marker = Symbol.for(`vercel.ai.error.${name}`);
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/**
 * Maps what an AI SDK model threw into core's error hierarchy, with messages that say what to do:
 * `AI_APICallError` by its status (401/403 → `AuthenticationError`, 404 → `ModelNotFoundError`,
 * "prompt too long" → `ContextWindowExceededError`, 429 → `RateLimitError` with `Retry-After`, the
 * rest → `APICallError` keeping the SDK's own `isRetryable`), a missing key → `AuthenticationError`,
 * a garbled response → a retryable `APICallError`. Core's errors pass through; anything else
 * (a bug in a provider, an invalid setting) is returned as it is. Aborts are not handled here: the
 * caller rethrows its signal's reason.
 */
export function mapAISDKError(error: unknown, context: AISDKCallContext): unknown {
  if (RLMError.isInstance(error)) return error;
  if (isAISDKError(error, 'AI_APICallError')) return mapAPICallError(error, context);
  if (isAISDKError(error, 'AI_LoadAPIKeyError')) {
    return new AuthenticationError({
      provider: context.provider,
      message: `The AI SDK provider of '${context.modelId}' has no API key: ${error.message}`,
      cause: error,
    });
  }
  if (
    isAISDKError(error, 'AI_JSONParseError') ||
    isAISDKError(error, 'AI_TypeValidationError') ||
    isAISDKError(error, 'AI_InvalidResponseDataError') ||
    isAISDKError(error, 'AI_EmptyResponseBodyError')
  ) {
    return new APICallError({
      provider: context.provider,
      message:
        `The server behind '${context.modelId}' answered with a response its AI SDK provider could not read (${firstLine(error.message)}). ` +
        'It may have been cut or garbled on the way, so the call is retried; if it keeps happening, check the base URL of the provider.',
      isRetryable: true,
      cause: error,
    });
  }
  return error;
}

function mapAPICallError(error: Record<string, unknown> & Error, context: AISDKCallContext): unknown {
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  const url = typeof error.url === 'string' ? error.url : undefined;
  const responseBody = typeof error.responseBody === 'string' ? error.responseBody : undefined;
  const common = {
    provider: context.provider,
    cause: error,
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(url === undefined ? {} : { url }),
    ...(responseBody === undefined ? {} : { responseBody: responseBody.slice(0, 10_000) }),
  };
  const where = url === undefined ? `the server of '${context.modelId}'` : url;
  const said =
    statusCode === undefined ? firstLine(error.message) : `${statusCode}: ${firstLine(error.message)}`;

  if (statusCode === undefined) {
    // The AI SDK reports a failed fetch (refused, reset, DNS) as an APICallError without a status.
    return new APIConnectionError({
      ...common,
      message: `Could not reach ${where} (${describeCause(error)}). Is the server running? Check the provider's baseURL. The call can be retried.`,
    });
  }
  if (statusCode >= 200 && statusCode < 300) {
    // The AI SDK reports a 200 whose body did not parse ("Invalid JSON response") as an APICallError
    // it calls not retryable; a body cut or garbled on the way is worth another attempt.
    return new APICallError({
      ...common,
      isRetryable: true,
      message:
        `${where} answered ${statusCode} with a body that could not be read (${firstLine(error.message)}). ` +
        "It may have been cut or garbled on the way, so the call is retried; if it keeps happening, check the provider's baseURL.",
    });
  }
  if (statusCode === 401 || statusCode === 403) {
    return new AuthenticationError({
      ...common,
      message: `${where} refused the API key (${said}). Check the apiKey of the AI SDK provider (or its environment variable) and that it may use '${context.modelId}'.`,
    });
  }
  if (statusCode === 404) {
    return new ModelNotFoundError({
      ...common,
      modelId: context.modelId,
      message: `${where} does not know the model '${context.modelId}' (${said}). Check the model id and the provider's baseURL.`,
    });
  }
  const exceeded = detectContextWindowExceeded(statusCode, {
    message: `${error.message} ${responseBody ?? ''}`,
  });
  if (exceeded) {
    const window = exceeded.contextWindow ?? context.contextWindow;
    return new ContextWindowExceededError({
      modelId: context.modelId,
      contextWindow: window,
      ...(exceeded.promptTokens === undefined ? {} : { promptTokens: exceeded.promptTokens }),
      message:
        `The prompt does not fit the context window of '${context.modelId}' (${said}). Send a smaller piece` +
        (exceeded.contextWindow !== undefined && exceeded.contextWindow < context.contextWindow
          ? `, and pass fromAISDK(model, { contextWindow: ${exceeded.contextWindow} }) so that the loop splits before sending.`
          : '.'),
      cause: error,
    });
  }
  if (statusCode === 429) {
    const retryAfterMs = parseRetryAfter(headersOf(error.responseHeaders));
    return new RateLimitError({
      ...common,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(error.isRetryable === false ? { isRetryable: false } : {}),
      message:
        `${where} rate-limited the call (${said})` +
        (retryAfterMs === undefined ? '' : `; it asked to wait ${Math.round(retryAfterMs)} ms`) +
        '. Lower the concurrency (maxConcurrency of createRLM) or raise maxRetries.',
    });
  }
  return new APICallError({
    ...common,
    ...(typeof error.isRetryable === 'boolean' ? { isRetryable: error.isRetryable } : {}),
    message:
      statusCode >= 500
        ? `${where} failed with a server error (${said}).`
        : `${where} rejected the request (${said}).`,
  });
}

/** The AI SDK gives response headers as a plain record; `parseRetryAfter` reads a `Headers`-like object. */
function headersOf(value: unknown): { get(name: string): string | null } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const lower = new Map<string, string>();
  for (const [name, header] of Object.entries(record)) {
    if (typeof header === 'string') lower.set(name.toLowerCase(), header);
  }
  return { get: (name) => lower.get(name.toLowerCase()) ?? null };
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/** The messages along the cause chain, with the first error code found (ECONNREFUSED, …). */
function describeCause(error: Error): string {
  const parts: string[] = [];
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current.message && !parts.includes(current.message)) parts.push(current.message);
    const found = (current as { code?: unknown }).code;
    if (code === undefined && typeof found === 'string') code = found;
    current = (current as { cause?: unknown }).cause;
  }
  const text = parts.join(': ') || 'no details';
  return code && !text.includes(code) ? `${text} [${code}]` : text;
}

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
import { detectContextWindowExceeded, parseRetryAfter } from '@rlm/core/provider';
import {
  OpenAIError as SDKBaseError,
  APIConnectionError as SDKConnectionError,
  APIConnectionTimeoutError as SDKConnectionTimeoutError,
  APIError as SDKError,
} from 'openai';
import { capturedErrorBody } from './capture-error-bodies';

import { malformedResponseError } from './malformed-response-error';
import type { OpenAIRequestContext } from './openai-request-context';

/** The parts of an error body that messages and classification use. */
interface ServerErrorFields {
  readonly message: string;
  readonly code?: unknown;
  readonly type?: unknown;
  readonly param?: unknown;
}

/** Error codes that mean nothing answered at the base URL, as opposed to a connection that broke. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Maps whatever the SDK (or fetch underneath it) threw into core's error hierarchy, with messages
 * that say what to do. Errors that are already core's pass through. Aborts are not handled here:
 * the caller rethrows its signal's reason.
 */
export function mapOpenAIError(error: unknown, context: OpenAIRequestContext): unknown {
  if (RLMError.isInstance(error)) return error;
  const url = `${context.baseURL}/chat/completions`;
  if (error instanceof SDKConnectionTimeoutError) {
    return new APITimeoutError({
      provider: context.provider,
      message:
        `No response from ${context.baseURL} within ${context.timeoutMs} ms. ` +
        'Raise the timeout option of createOpenAI, or set { stream: true } on the model for long generations.',
      url,
      cause: error,
    });
  }
  if (error instanceof SDKConnectionError) {
    const code = findErrorCode(error);
    const unreachable = code !== undefined && UNREACHABLE_CODES.has(code);
    return new APIConnectionError({
      provider: context.provider,
      message: unreachable
        ? `Could not connect to ${context.baseURL} (${describeCause(error)}). Is the server running? Check baseURL.`
        : `The connection to ${context.baseURL} failed before a response arrived (${describeCause(error)}). The call can be retried.`,
      url,
      cause: error,
    });
  }
  if (error instanceof SDKError) return mapStatusError(error, context, url);
  if (error instanceof SyntaxError) {
    return malformedResponseError(
      context,
      'answered with a body that is not valid JSON (its content type says JSON)',
      {
        cause: error,
      },
    );
  }
  if (error instanceof SDKBaseError) {
    return new APICallError({ provider: context.provider, message: error.message, url, cause: error });
  }
  if (error instanceof Error) {
    // Reading the body failed after the headers arrived: the connection dropped mid-response.
    return new APIConnectionError({
      provider: context.provider,
      message: `The connection to ${context.baseURL} failed mid-response (${describeCause(error)}). The call can be retried.`,
      url,
      cause: error,
    });
  }
  return error;
}

function mapStatusError(error: SDKError, context: OpenAIRequestContext, url: string): unknown {
  const rawBody = capturedErrorBody(error.headers);
  const fields = readServerError(error, rawBody);
  const statusCode = error.status;
  const responseBody = rawBody ?? (error.error === undefined ? undefined : JSON.stringify(error.error));
  const common = {
    provider: context.provider,
    url,
    cause: error,
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(responseBody === undefined ? {} : { responseBody: responseBody.slice(0, 10_000) }),
  };
  const said = statusCode === undefined ? fields.message : `${statusCode}: ${fields.message}`;

  if (statusCode === undefined) {
    // An error event inside a stream (OpenRouter sends upstream failures this way).
    return new APICallError({
      ...common,
      message: `${serverName(context)} reported an error mid-stream: ${said}`,
    });
  }
  if (statusCode === 401) {
    return new AuthenticationError({ ...common, message: authenticationMessage(context, said) });
  }
  if (statusCode === 403) {
    return new AuthenticationError({
      ...common,
      message:
        `${serverName(context)} refused the request (${said}). ` +
        `Check that the API key (and its organization or project) may use '${context.modelId}'.`,
    });
  }
  if (statusCode === 404) {
    return new ModelNotFoundError({
      ...common,
      modelId: context.modelId,
      message:
        `${serverName(context)} does not know the model '${context.modelId}' (${said}). ` +
        (context.isOpenAIHost
          ? 'Check the model id and that your key has access to it.'
          : `Check the model id (GET ${context.baseURL}/models lists what the server serves) and that baseURL is right (it usually ends in /v1).`),
    });
  }
  const exceeded = detectContextWindowExceeded(statusCode, fields);
  if (exceeded) {
    const window = exceeded.contextWindow ?? context.contextWindow;
    return new ContextWindowExceededError({
      modelId: context.modelId,
      contextWindow: window,
      ...(exceeded.promptTokens === undefined ? {} : { promptTokens: exceeded.promptTokens }),
      message:
        `The prompt does not fit the context window of '${context.modelId}' (${said}). ` +
        `Send a smaller piece${exceeded.contextWindow !== undefined && exceeded.contextWindow < context.contextWindow ? `, and set { contextWindow: ${exceeded.contextWindow} } on the model so that the loop splits before sending` : ''}.`,
      cause: error,
    });
  }
  if (statusCode === 429) {
    const retryAfterMs = parseRetryAfter(error.headers);
    if (fields.code === 'insufficient_quota' || fields.type === 'insufficient_quota') {
      return new RateLimitError({
        ...common,
        isRetryable: false,
        message: `${serverName(context)} refused the call: the account is out of quota (${said}). Check the plan and billing details; retrying will not help.`,
      });
    }
    return new RateLimitError({
      ...common,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      message:
        `${serverName(context)} rate-limited the call (${said})` +
        (retryAfterMs === undefined ? '' : `; it asked to wait ${Math.round(retryAfterMs)} ms`) +
        '. Lower the concurrency (maxConcurrency of createRLM) or raise maxRetries.',
    });
  }
  if (statusCode >= 500) {
    return new APICallError({
      ...common,
      message: `${serverName(context)} failed with a server error (${said}).`,
    });
  }
  return new APICallError({
    ...common,
    message: `${serverName(context)} rejected the request (${said}).${parameterHint(fields)}`,
  });
}

function serverName(context: OpenAIRequestContext): string {
  return context.isOpenAIHost ? 'OpenAI' : `The server at ${context.baseURL}`;
}

function authenticationMessage(context: OpenAIRequestContext, said: string): string {
  if (context.isOpenAIHost) {
    return context.apiKeySource === 'environment'
      ? `OpenAI rejected the API key from OPENAI_API_KEY (${said}). Set OPENAI_API_KEY to a valid key, or pass createOpenAI({ apiKey }).`
      : `OpenAI rejected the API key passed as the apiKey option (${said}). Pass a valid key, or leave apiKey out to use OPENAI_API_KEY.`;
  }
  return (
    `The server at ${context.baseURL} rejected the API key (${said}). ` +
    `Pass the key it expects as createOpenAI({ baseURL: '${context.baseURL}', apiKey }).`
  );
}

/** Advice for the request fields this provider sets from model settings, when the server named one. */
function parameterHint(fields: ServerErrorFields): string {
  const text = `${String(fields.param ?? '')} ${fields.message}`;
  if (
    /max_tokens/.test(text) &&
    /max_completion_tokens/.test(text) &&
    /not supported|unsupported/i.test(text)
  ) {
    return /use 'max_completion_tokens'|max_tokens'? is not supported/i.test(text)
      ? ' Set { reasoningModel: true } on the model so that the cap is sent as max_completion_tokens.'
      : ' Set { reasoningModel: false } on the model so that the cap is sent as max_tokens.';
  }
  if (
    /max_completion_tokens/.test(text) &&
    /unrecognized|unsupported|not supported|extra|unknown/i.test(text)
  ) {
    return ' Set { reasoningModel: false } on the model so that the cap is sent as max_tokens.';
  }
  if (/reasoning_effort/.test(text))
    return ' Check the reasoningEffort setting: this model may not accept it or this value.';
  if (/temperature/.test(text))
    return ' Check the temperature setting: reasoning models accept only the default.';
  return '';
}

/**
 * The message, code, type and param of an error body, in the shapes servers use: OpenAI's
 * `{ error: { message, code, type, param } }`, Ollama's `{ error: "…" }`, vLLM's older top-level
 * `{ message, type, code }`, FastAPI's `{ detail }`; any other body as it is, cut to 500 characters.
 */
function readServerError(error: SDKError, rawBody: string | undefined): ServerErrorFields {
  const parsed = rawBody === undefined ? undefined : parseJson(rawBody);
  const top = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  const nested =
    typeof top?.error === 'object' && top.error !== null
      ? (top.error as Record<string, unknown>)
      : typeof error.error === 'object' && error.error !== null
        ? (error.error as Record<string, unknown>)
        : undefined;
  const message =
    stringOf(nested?.message) ??
    stringOf(top?.error) ??
    stringOf(top?.message) ??
    stringOf(top?.detail) ??
    (rawBody !== undefined && rawBody.trim() !== '' ? rawBody.trim().slice(0, 500) : undefined) ??
    (stripStatus(error.message) || 'status code (no body)');
  return {
    message,
    code: nested?.code ?? top?.code ?? error.code,
    type: nested?.type ?? top?.type ?? error.type,
    param: nested?.param ?? top?.param ?? error.param,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The SDK prefixes its messages with the status ("404 Not found"); ours state it themselves. */
function stripStatus(message: string): string {
  return message.replace(/^\d{3}\s+/, '');
}

/** The first `code` (ECONNREFUSED, UND_ERR_SOCKET, …) along the cause chain, AggregateErrors included. */
function findErrorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = findErrorCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return findErrorCode((error as { cause?: unknown }).cause, depth + 1);
}

/** The messages along the cause chain ("fetch failed: connect ECONNREFUSED 127.0.0.1:9"), without the SDK's generic prefix. */
function describeCause(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.message && current.message !== 'Connection error.' && !parts.includes(current.message)) {
      parts.push(current.message);
    }
    current = (current as { cause?: unknown }).cause;
  }
  const code = findErrorCode(error);
  const text = parts.join(': ') || 'no details';
  return code && !text.includes(code) ? `${text} [${code}]` : text;
}

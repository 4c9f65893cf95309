import {
  APICallError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  ContextWindowExceededError,
  InvalidArgumentError,
  ModelNotFoundError,
  RateLimitError,
  SandboxError,
} from '@rlm/core';
import { BASE_URL_KEY_VARIABLE, KNOWN_PROVIDERS } from '../models/known-providers';
import { inCliTerms } from './cli-terms';

/** What an error message may mention about the run's set-up. */
export interface ErrorSetting {
  readonly baseUrl?: string;
  readonly maxRetries?: number;
}

/**
 * One paragraph for stderr that says what went wrong and what to do, in the CLI's terms (flags and
 * variables, not the library's options). The provider's own words follow where they add detail.
 */
export function explainError(error: unknown, setting: ErrorSetting): string {
  const message = inCliTerms((error as Error)?.message ?? String(error));
  // What the server itself said, when its answer is at hand: the provider's message around it is
  // advice for library users, and repeating it whole after our own advice said everything twice.
  const said = serverSaid(error) ?? message;
  const where = setting.baseUrl ? `the server at ${setting.baseUrl}` : undefined;
  const Where = where && where.charAt(0).toUpperCase() + where.slice(1);
  if (InvalidArgumentError.isInstance(error) || ContextWindowExceededError.isInstance(error)) return message;
  if (SandboxError.isInstance(error)) {
    return `The sandbox (${error.environmentId}) failed: ${message} This is not caused by your question or the model's code; if it persists, try another --env (or a larger --memory).`;
  }
  if (AuthenticationError.isInstance(error)) {
    const keyVariable =
      KNOWN_PROVIDERS.find((known) => known.name === error.provider)?.keyVariable ?? 'the key variable';
    return where
      ? `${Where} refused the API key (HTTP ${error.statusCode ?? '?'}). Set ${BASE_URL_KEY_VARIABLE} to the key it expects. It said: ${said}`
      : `The ${error.provider} API refused the API key (HTTP ${error.statusCode ?? '?'}). Check ${keyVariable}: it may be mistyped, revoked, or lack access. It said: ${said}`;
  }
  if (ModelNotFoundError.isInstance(error) && where && !mentionsModel(error, error.modelId)) {
    // A 404 that does not name the model: the URL has no such route (usually a base URL without /v1).
    return `${Where} has no route for ${error.url ?? 'the request'} (HTTP 404: ${said}). Check --base-url: OpenAI-compatible servers usually end in /v1 (e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM).`;
  }
  if (ModelNotFoundError.isInstance(error)) {
    return `${Where ?? `The ${error.provider} API`} does not know the model '${error.modelId}', or the key has no access to it. Check --model and --sub-model (for a local server, the name it lists, e.g. \`ollama list\`). It said: ${said}`;
  }
  if (RateLimitError.isInstance(error)) {
    // Rate limits have their own retries in the providers: 10, none when --max-retries is 0.
    const retries = setting.maxRetries === 0 ? 0 : 10;
    return `${Where ?? `The ${error.provider} API`} kept answering "rate limited" (HTTP 429), also after ${retries} retries. Wait a minute and run again, lower the load (--concurrency 4, fewer sub-calls), or check your account's rate limits. It said: ${said}`;
  }
  if (APITimeoutError.isInstance(error)) {
    return `${Where ?? `The ${error.provider} API`} did not answer in time, also after retries. Try again; a local server may need a smaller model or more time. It said: ${said}`;
  }
  if (APIConnectionError.isInstance(error)) {
    return where
      ? `Could not reach ${where}. Is the server running, and is --base-url right? OpenAI-compatible servers usually end in /v1 (e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM). It said: ${said}`
      : `Could not reach the ${error.provider} API. Check your network connection, proxy and firewall. It said: ${said}`;
  }
  if (APICallError.isInstance(error)) {
    return `The ${error.provider} API call failed${error.statusCode ? ` (HTTP ${error.statusCode})` : ''}: ${said}`;
  }
  return `Unexpected error: ${message} (run with --verbose for the stack trace, and please report it).`;
}

/** The message in the server's response body (`{"error":{"message":…}}` or a short text), if any. */
function serverSaid(error: unknown): string | undefined {
  if (!APICallError.isInstance(error) || !error.responseBody) return undefined;
  const body = error.responseBody.trim();
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const text =
      typeof parsed.error === 'string'
        ? parsed.error
        : typeof parsed.error?.message === 'string'
          ? parsed.error.message
          : typeof parsed.message === 'string'
            ? parsed.message
            : undefined;
    if (text) return oneLine(text);
  } catch {
    // Not JSON: a short text body is what the server said.
  }
  return body.startsWith('<') ? undefined : oneLine(body);
}

/** Whether a 404's body is about the model (not about a URL the server has no route for). */
function mentionsModel(error: APICallError, modelId: string): boolean {
  const body = error.responseBody;
  if (body === undefined) return true;
  return body.includes(modelId) && !/no route|unknown url|unknown_url|page not found/i.test(body);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

import { AuthenticationError, InvalidArgumentError } from '@rlm/core';
import { createNodeHttpFetch, readEnvironmentVariable } from '@rlm/core/provider';
import OpenAI from 'openai';
import { captureErrorBodies } from './capture-error-bodies';
import type { OpenAIProviderSettings } from './openai-provider-settings';

/** OpenAI's own API. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** The SDK's default per-attempt timeout, in milliseconds. */
const SDK_DEFAULT_TIMEOUT_MS = 600_000;

/** An SDK client and what error messages need to know about where it points. */
export interface OpenAIConnection {
  readonly client: OpenAI;
  /** Without a trailing slash. */
  readonly baseURL: string;
  readonly isOpenAIHost: boolean;
  readonly apiKeySource: 'option' | 'environment';
  readonly timeoutMs: number;
}

function isOpenAIHost(baseURL: string): boolean {
  let url: URL | undefined;
  try {
    url = new URL(baseURL);
  } catch {
    url = undefined;
  }
  // `new URL('localhost:8000')` parses, with 'localhost:' as its scheme: check the scheme too.
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError({
      argument: 'baseURL',
      message: `baseURL '${baseURL}' is not an http(s) URL. Pass one like 'http://localhost:8000/v1'.`,
    });
  }
  return url.hostname === 'api.openai.com';
}

/**
 * Builds the SDK client on first use, so that environment variables set after import (dotenv) are
 * seen and a missing key fails the first call, not the import. A failure is not cached: fixing the
 * environment and calling again works.
 */
export function lazyOpenAIConnection(settings: OpenAIProviderSettings): () => OpenAIConnection {
  let connection: OpenAIConnection | undefined;
  return () => {
    connection ??= connect(settings);
    return connection;
  };
}

/** The server requests go to: the setting, else `OPENAI_BASE_URL`, else OpenAI's; no trailing slash. */
export function openAIBaseURL(settings: OpenAIProviderSettings): string {
  return (settings.baseURL ?? readEnvironmentVariable('OPENAI_BASE_URL') ?? OPENAI_BASE_URL).replace(
    /\/+$/,
    '',
  );
}

/**
 * Requests go through Node's keep-alive HTTP client unless the caller brings a `fetch`: at hundreds
 * of sub-calls at once, the built-in fetch's CPU per call slows every wave (see createNodeHttpFetch).
 */
const nodeHttpFetch = createNodeHttpFetch();

function connect(settings: OpenAIProviderSettings): OpenAIConnection {
  const baseURL = openAIBaseURL(settings);
  const openAIHost = isOpenAIHost(baseURL);
  // A key from the environment belongs to OpenAI (or to the OPENAI_BASE_URL it is paired with);
  // sending it to a server named in code would hand it to a third party.
  const mayUseEnvironmentKey = settings.baseURL === undefined || openAIHost;
  const environmentKey = mayUseEnvironmentKey ? readEnvironmentVariable('OPENAI_API_KEY') : undefined;
  const apiKey = settings.apiKey ?? environmentKey;
  if (!apiKey) throw missingKeyError(settings, baseURL, openAIHost);
  const fetchFunction = settings.fetch ?? nodeHttpFetch;
  const client = new OpenAI({
    apiKey,
    baseURL,
    // Left undefined, the SDK reads OPENAI_ORG_ID / OPENAI_PROJECT_ID itself.
    organization: settings.organization,
    project: settings.project,
    // Never let OPENAI_ADMIN_KEY stand in for a missing key.
    adminAPIKey: null,
    webhookSecret: null,
    ...(settings.headers ? { defaultHeaders: { ...settings.headers } } : {}),
    fetch: captureErrorBodies((input, init) => fetchFunction(input, init)),
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
    // One retry policy: ours (retryWithBackoff), which honours abort signals during its waits.
    maxRetries: 0,
    // Every failure reaches the caller as an error with the details; the SDK's own console logging
    // would repeat it for each of hundreds of sub-calls. OPENAI_LOG still turns it on for debugging.
    ...(readEnvironmentVariable('OPENAI_LOG') ? {} : { logLevel: 'off' as const }),
  });
  return {
    client,
    baseURL,
    isOpenAIHost: openAIHost,
    apiKeySource: settings.apiKey === undefined ? 'environment' : 'option',
    timeoutMs: settings.timeout ?? SDK_DEFAULT_TIMEOUT_MS,
  };
}

function missingKeyError(settings: OpenAIProviderSettings, baseURL: string, openAIHost: boolean) {
  const provider = settings.name ?? 'openai';
  if (openAIHost) {
    return new AuthenticationError({
      provider,
      message:
        'No OpenAI API key. Set the OPENAI_API_KEY environment variable, or pass createOpenAI({ apiKey }).',
    });
  }
  if (settings.baseURL === undefined) {
    return new AuthenticationError({
      provider,
      message:
        `No API key for the server at ${baseURL} (from OPENAI_BASE_URL). Set OPENAI_API_KEY, ` +
        "or pass createOpenAI({ apiKey }); if the server needs no key, use 'none'.",
    });
  }
  return new AuthenticationError({
    provider,
    message:
      `No API key for the server at ${baseURL}. Pass createOpenAI({ baseURL, apiKey }); ` +
      "if the server needs none (vLLM, Ollama and LM Studio usually don't), pass apiKey: 'none'. " +
      'OPENAI_API_KEY is not sent to a base URL given in code.',
  });
}

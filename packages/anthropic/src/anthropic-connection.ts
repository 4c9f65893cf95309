import Anthropic from '@anthropic-ai/sdk';
import { AuthenticationError } from '@rlm/core';
import { createNodeHttpFetch, readEnvironmentVariable } from '@rlm/core/provider';
import type { AnthropicProviderSettings } from './anthropic-provider-settings';

/** Anthropic's own API, without `/v1` (the SDK appends `/v1/messages`). */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/** An SDK client and where it points. */
export interface AnthropicConnection {
  readonly client: Anthropic;
  /** Without a trailing slash. */
  readonly baseURL: string;
}

/**
 * Builds the SDK client on first use, so that environment variables set after import (dotenv) are
 * seen and a missing key fails the first call, not the import. A failure is not cached: fixing the
 * environment and calling again works.
 */
export function lazyAnthropicConnection(settings: AnthropicProviderSettings): () => AnthropicConnection {
  let connection: AnthropicConnection | undefined;
  return () => {
    connection ??= connect(settings);
    return connection;
  };
}

/** The server requests go to: the setting, else `ANTHROPIC_BASE_URL`, else Anthropic's; no trailing slash. */
export function anthropicBaseURL(settings: AnthropicProviderSettings): string {
  return (settings.baseURL ?? readEnvironmentVariable('ANTHROPIC_BASE_URL') ?? ANTHROPIC_BASE_URL).replace(
    /\/+$/,
    '',
  );
}

const nodeHttpFetch = createNodeHttpFetch();

function connect(settings: AnthropicProviderSettings): AnthropicConnection {
  const baseURL = anthropicBaseURL(settings);
  const apiKey = settings.apiKey ?? readEnvironmentVariable('ANTHROPIC_API_KEY');
  if (!apiKey) {
    throw new AuthenticationError({
      provider: 'anthropic',
      message:
        'No Anthropic API key: set the ANTHROPIC_API_KEY environment variable, or pass apiKey to ' +
        'createAnthropic({ apiKey }).',
    });
  }
  const client = new Anthropic({
    apiKey,
    baseURL,
    // One retry policy: ours (retryWithBackoff, in the model), which honours abort signals during its waits.
    maxRetries: 0,
    // Every failure reaches the caller as an error with the details; the SDK's console logging
    // (a line per stream event that does not parse) would repeat it for each of hundreds of
    // sub-calls. ANTHROPIC_LOG still turns it on for debugging.
    ...(readEnvironmentVariable('ANTHROPIC_LOG') ? {} : { logLevel: 'off' as const }),
    // Node's keep-alive HTTP client unless the caller brings a fetch: half the CPU per call of the
    // built-in fetch, which matters at hundreds of sub-calls at once (see createNodeHttpFetch).
    fetch: settings.fetch ?? nodeHttpFetch,
  });
  return { client, baseURL };
}

import Anthropic from '@anthropic-ai/sdk';
import { AuthenticationError } from '@rlm/core';
import { checkInteger } from '@rlm/core/environment';
import { parseModelId } from '@rlm/core/provider';
import { AnthropicLanguageModel } from './anthropic-language-model';
import type { AnthropicModelId } from './anthropic-model-catalog';
import type { AnthropicModelSettings } from './anthropic-model-settings';
import type { AnthropicProviderSettings } from './anthropic-provider-settings';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** Makes Anthropic models: `provider('claude-sonnet-4-5', settings?)`. */
export interface AnthropicProvider {
  (modelId: AnthropicModelId, settings?: AnthropicModelSettings): AnthropicLanguageModel;
  /** The same as calling the provider. */
  languageModel(modelId: AnthropicModelId, settings?: AnthropicModelSettings): AnthropicLanguageModel;
}

/**
 * Creates an Anthropic provider. Every model it makes shares one SDK client, made at the first call,
 * when the API key and base URL are read (from the settings, else `ANTHROPIC_API_KEY` and
 * `ANTHROPIC_BASE_URL`).
 *
 * ```ts
 * const claude = createAnthropic({ apiKey: process.env.MY_KEY, maxRetries: 4 });
 * const root = claude('claude-sonnet-4-5', { thinking: { type: 'enabled', budgetTokens: 4096 } });
 * ```
 */
export function createAnthropic(settings: AnthropicProviderSettings = {}): AnthropicProvider {
  if (settings.maxRetries !== undefined)
    checkInteger('createAnthropic', 'maxRetries', settings.maxRetries, 0);
  const rateLimitRetries = settings.retry?.maxRateLimitRetries;
  if (rateLimitRetries !== undefined) {
    checkInteger('createAnthropic', 'retry.maxRateLimitRetries', rateLimitRetries, 0);
  }
  let client: Anthropic | undefined;
  const baseURL = () =>
    (settings.baseURL ?? readEnvironment('ANTHROPIC_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');

  const getClient = (): Anthropic => {
    if (client) return client;
    const apiKey = settings.apiKey ?? readEnvironment('ANTHROPIC_API_KEY');
    if (!apiKey) {
      throw new AuthenticationError({
        provider: 'anthropic',
        message:
          'No Anthropic API key: set the ANTHROPIC_API_KEY environment variable, or pass apiKey to ' +
          'createAnthropic({ apiKey }).',
      });
    }
    client = new Anthropic({
      apiKey,
      baseURL: baseURL(),
      // One retry policy (core's retryWithBackoff, in the model) instead of two stacked ones.
      maxRetries: 0,
      // Every failure reaches the caller as an error with the details; the SDK's console logging
      // (a line per stream event that does not parse) would repeat it for each of hundreds of
      // sub-calls. ANTHROPIC_LOG still turns it on for debugging.
      ...(readEnvironment('ANTHROPIC_LOG') ? {} : { logLevel: 'off' as const }),
      ...(settings.fetch ? { fetch: settings.fetch } : {}),
    });
    return client;
  };

  const languageModel = (modelId: AnthropicModelId, modelSettings: AnthropicModelSettings = {}) =>
    new AnthropicLanguageModel(withoutProviderPrefix(modelId), modelSettings, {
      client: getClient,
      baseURL,
      ...(settings.maxRetries !== undefined ? { maxRetries: settings.maxRetries } : {}),
      ...(settings.headers ? { headers: settings.headers } : {}),
      ...(settings.timeout !== undefined ? { timeout: settings.timeout } : {}),
      ...(settings.retry ? { retry: settings.retry } : {}),
    });

  const provider = (modelId: AnthropicModelId, modelSettings?: AnthropicModelSettings) =>
    languageModel(modelId, modelSettings);
  provider.languageModel = languageModel;
  return provider;
}

/**
 * The default provider: API key from `ANTHROPIC_API_KEY`, base URL from `ANTHROPIC_BASE_URL`.
 * `anthropic('claude-sonnet-4-5')`.
 */
export const anthropic: AnthropicProvider = createAnthropic();

/** Accepts the `anthropic:claude-…` form used by configs and the CLI, as well as the bare id. */
function withoutProviderPrefix(modelId: string): string {
  if (!modelId.includes(':')) return modelId;
  const parsed = parseModelId(modelId);
  return parsed.provider === 'anthropic' ? parsed.modelId : modelId;
}

function readEnvironment(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

import { checkIntegerSetting, parseModelId } from '@rlm/core/provider';
import { anthropicBaseURL, lazyAnthropicConnection } from './anthropic-connection';
import { AnthropicLanguageModel } from './anthropic-language-model';
import type { AnthropicModelId } from './anthropic-model-catalog';
import type { AnthropicModelSettings } from './anthropic-model-settings';
import type { AnthropicProviderSettings } from './anthropic-provider-settings';

/** Makes models: `provider('claude-sonnet-4-5', { thinking: { type: 'adaptive' } })`. */
export interface AnthropicProvider {
  (modelId: AnthropicModelId, settings?: AnthropicModelSettings): AnthropicLanguageModel;
  /** The same as calling the provider. */
  languageModel(modelId: AnthropicModelId, settings?: AnthropicModelSettings): AnthropicLanguageModel;
  /** The provider id its models report: `'anthropic'`. */
  readonly providerId: string;
}

/**
 * A provider for Anthropic's Messages API. Every model it makes shares one SDK client, made at the
 * first call, when the API key and base URL are read (from the settings, else `ANTHROPIC_API_KEY`
 * and `ANTHROPIC_BASE_URL`). Nothing is read from the environment or sent before that.
 *
 * @example
 * const claude = createAnthropic({ apiKey: process.env.MY_KEY, maxRetries: 4 });
 * const root = claude('claude-sonnet-4-5', { thinking: { type: 'enabled', budgetTokens: 4096 } });
 */
export function createAnthropic(settings: AnthropicProviderSettings = {}): AnthropicProvider {
  checkIntegerSetting(settings.maxRetries, 'maxRetries', 0, 'createAnthropic');
  checkIntegerSetting(settings.retry?.maxRateLimitRetries, 'retry.maxRateLimitRetries', 0, 'createAnthropic');
  const config = {
    connect: lazyAnthropicConnection(settings),
    baseURL: () => anthropicBaseURL(settings),
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    ...(settings.retry ? { retry: settings.retry } : {}),
    ...(settings.headers ? { headers: settings.headers } : {}),
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
  };
  const languageModel = (modelId: AnthropicModelId, modelSettings: AnthropicModelSettings = {}) =>
    new AnthropicLanguageModel(withoutProviderPrefix(modelId), modelSettings, config);
  return Object.assign(languageModel, { languageModel, providerId: 'anthropic' });
}

/**
 * The default provider: Anthropic's API with the key from `ANTHROPIC_API_KEY` (and
 * `ANTHROPIC_BASE_URL`, when set), read at the first call.
 *
 * @example
 * const model = anthropic('claude-sonnet-4-5');
 */
export const anthropic: AnthropicProvider = createAnthropic();

/** Accepts the `anthropic:claude-…` form used by configs and the CLI, as well as the bare id. */
function withoutProviderPrefix(modelId: string): string {
  if (!modelId.includes(':')) return modelId;
  const parsed = parseModelId(modelId);
  return parsed.provider === 'anthropic' ? parsed.modelId : modelId;
}

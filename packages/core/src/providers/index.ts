/**
 * `@rlm/core/provider`: the kit for authors of model providers — retries with backoff that honour
 * `Retry-After`, prices and cost, the catalogs of OpenAI's and Anthropic's models (windows and
 * prices, for every plugin that serves them), `provider:model` ids, the recognition of servers'
 * "prompt too long" errors, and a `fetch` over Node's keep-alive HTTP client that costs half the CPU
 * per call of the built-in one. The errors a provider throws (`APICallError` and its kin) are part
 * of the main entry, since callers catch them too.
 */

export { isRetryableStatus } from '../errors/api-call-error';
export {
  type ContextWindowExceededDetails,
  detectContextWindowExceeded,
} from './detect-context-window-exceeded';
export {
  ANTHROPIC_DEFAULT_CONTEXT_WINDOW,
  ANTHROPIC_MODELS,
  type AnthropicKnownModelId,
  type AnthropicModelFacts,
  type AnthropicModelId,
  findAnthropicModelFacts,
} from './model-catalogs/anthropic-model-catalog';
export { findKnownModelFacts, type KnownModelFacts } from './model-catalogs/find-known-model-facts';
export {
  findOpenAIEmbeddingModelFacts,
  findOpenAIModelFacts,
  OPENAI_DEFAULT_CONTEXT_WINDOW,
  OPENAI_EMBEDDING_MODELS,
  OPENAI_MAX_EMBEDDING_VALUES_PER_CALL,
  OPENAI_MODELS,
  type OpenAIEmbeddingModelFacts,
  type OpenAIEmbeddingModelId,
  type OpenAIKnownEmbeddingModelId,
  type OpenAIKnownModelId,
  type OpenAIModelFacts,
  type OpenAIModelId,
} from './model-catalogs/openai-model-catalog';
export { type ParsedModelId, parseModelId } from './model-id';
export { computeCostUsd, type LongContextPricing, type ModelPricing } from './model-pricing';
export { createNodeHttpFetch } from './node-http-fetch';
export {
  checkIntegerSetting,
  checkPositiveSetting,
  type ProviderRetrySettings,
  readEnvironmentVariable,
} from './provider-settings';
export {
  DEFAULT_MAX_RATE_LIMIT_RETRIES,
  DEFAULT_MAX_RETRIES,
  parseRetryAfter,
  type RetryOptions,
  retryWithBackoff,
} from './retry-with-backoff';

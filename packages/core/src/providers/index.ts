/**
 * `@rlm/core/provider`: the kit for authors of model providers — retries with backoff that honour
 * `Retry-After`, prices and cost, `provider:model` ids, the recognition of servers' "prompt too
 * long" errors, and a `fetch` over Node's keep-alive HTTP client that costs half the CPU per call of
 * the built-in one. The errors a provider throws
 * (`APICallError` and its kin) are part of the main entry, since callers catch them too.
 */

export { isRetryableStatus } from '../errors/api-call-error';
export {
  type ContextWindowExceededDetails,
  detectContextWindowExceeded,
} from './detect-context-window-exceeded';
export { type ParsedModelId, parseModelId } from './model-id';
export { computeCostUsd, type ModelPricing } from './model-pricing';
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

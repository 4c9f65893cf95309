/**
 * `@rlm/ai-sdk`: the bridges between Recursive Language Models and the Vercel AI SDK.
 * `fromAISDK(model)` turns any AI SDK language model into an RLM model; `rlmModel({ rlm, context })`
 * turns an RLM into an AI SDK language model for `generateText` and `streamText`.
 */

export { AISDKAdapterLanguageModel } from './ai-sdk-adapter-language-model';
export type {
  AISDKLanguageModel,
  AISDKLanguageModelV2,
  AISDKLanguageModelV3,
  AISDKLanguageModelV4,
  AISDKProviderOptions,
  AISDKSpecificationVersion,
} from './ai-sdk-language-model';
export { SUPPORTED_AI_SDK_SPECIFICATION_VERSIONS } from './ai-sdk-language-model';
export { fromAISDK } from './from-ai-sdk';
export { AI_SDK_DEFAULT_CONTEXT_WINDOW, type FromAISDKOptions } from './from-ai-sdk-options';
export { convertRunUsage, RLMLanguageModel } from './rlm-language-model';
export { rlmModel } from './rlm-model';
export {
  RLM_PROVIDER_NAME,
  type RLMModelProviderOptions,
  type RLMModelSettings,
} from './rlm-model-settings';
export type { RLMProgress } from './rlm-progress';

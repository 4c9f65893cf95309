export { isReasoningModel } from './is-reasoning-model';
export { OpenAIChatLanguageModel } from './openai-chat-language-model';
export type {
  OpenAIChatModelSettings,
  OpenAILongContextPricing,
  OpenAIReasoningEffort,
} from './openai-chat-model-settings';
export { OPENAI_BASE_URL } from './openai-connection';
export { findOpenAIModelFacts, OPENAI_MODEL_CATALOG, type OpenAIModelFacts } from './openai-model-catalog';
export { createOpenAI, type OpenAIProvider, openai } from './openai-provider';
export type { OpenAIProviderSettings } from './openai-provider-settings';

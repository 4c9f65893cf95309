import { OpenAILanguageModel } from './openai-language-model';
import { OPENAI_MODELS, type OpenAIModelFacts } from './openai-model-catalog';
import type { OpenAIModelSettings } from './openai-model-settings';

export { isReasoningModel } from './is-reasoning-model';
export { OPENAI_BASE_URL } from './openai-connection';
export { OpenAIEmbeddingModel, type OpenAIEmbeddingModelSettings } from './openai-embedding-model';
export { OpenAILanguageModel } from './openai-language-model';
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
} from './openai-model-catalog';
export type {
  OpenAILongContextPricing,
  OpenAIModelSettings,
  OpenAIReasoningEffort,
} from './openai-model-settings';
export { createOpenAI, type OpenAIProvider, openai } from './openai-provider';
export type { OpenAIProviderSettings, OpenAIRetrySettings } from './openai-provider-settings';

/** @deprecated use `OpenAILanguageModel` */
export const OpenAIChatLanguageModel = OpenAILanguageModel;
/** @deprecated use `OpenAILanguageModel` */
export type OpenAIChatLanguageModel = OpenAILanguageModel;
/** @deprecated use `OpenAIModelSettings` */
export type OpenAIChatModelSettings = OpenAIModelSettings;
/** @deprecated use `OPENAI_MODELS` */
export const OPENAI_MODEL_CATALOG: Readonly<Record<string, OpenAIModelFacts>> = OPENAI_MODELS;

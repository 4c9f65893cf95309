// The catalog lives in @rlm/core/provider, so that other plugins (fromAISDK of @rlm/ai-sdk) know
// OpenAI's windows and prices without depending on this package; re-exported here unchanged.
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
} from '@rlm/core/provider';

// The catalog lives in @rlm/core/provider, so that other plugins (fromAISDK of @rlm/ai-sdk) know
// Anthropic's windows and prices without depending on this package; re-exported here unchanged.
export {
  ANTHROPIC_DEFAULT_CONTEXT_WINDOW,
  ANTHROPIC_MODELS,
  type AnthropicKnownModelId,
  type AnthropicModelFacts,
  type AnthropicModelId,
  findAnthropicModelFacts,
} from '@rlm/core/provider';

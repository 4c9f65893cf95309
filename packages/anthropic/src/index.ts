export {
  AnthropicLanguageModel,
  CONTEXT_1M_BETA,
  DEFAULT_MAX_OUTPUT_TOKENS,
  NON_STREAMING_MAX_OUTPUT_TOKENS,
} from './anthropic-language-model';
export {
  ANTHROPIC_MODELS,
  type AnthropicKnownModelId,
  type AnthropicModelId,
  type AnthropicModelInfo,
  findAnthropicModel,
  UNKNOWN_MODEL_CONTEXT_WINDOW,
} from './anthropic-model-catalog';
export type {
  AnthropicModelSettings,
  AnthropicPromptCaching,
  AnthropicThinking,
} from './anthropic-model-settings';
export { type AnthropicProvider, anthropic, createAnthropic } from './anthropic-provider';
export type { AnthropicProviderSettings, AnthropicRetrySettings } from './anthropic-provider-settings';

import {
  ANTHROPIC_CONTEXT_1M_BETA,
  ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS,
  ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS,
} from './anthropic-language-model';
import {
  ANTHROPIC_DEFAULT_CONTEXT_WINDOW,
  type AnthropicModelFacts,
  findAnthropicModelFacts,
} from './anthropic-model-catalog';

export { ANTHROPIC_BASE_URL } from './anthropic-connection';
export {
  ANTHROPIC_CONTEXT_1M_BETA,
  ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS,
  ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS,
  AnthropicLanguageModel,
} from './anthropic-language-model';
export {
  ANTHROPIC_DEFAULT_CONTEXT_WINDOW,
  ANTHROPIC_MODELS,
  type AnthropicKnownModelId,
  type AnthropicModelFacts,
  type AnthropicModelId,
  findAnthropicModelFacts,
} from './anthropic-model-catalog';
export type {
  AnthropicModelSettings,
  AnthropicPromptCaching,
  AnthropicThinking,
} from './anthropic-model-settings';
export { type AnthropicProvider, anthropic, createAnthropic } from './anthropic-provider';
export type { AnthropicProviderSettings, AnthropicRetrySettings } from './anthropic-provider-settings';

/** @deprecated use `AnthropicModelFacts` */
export type AnthropicModelInfo = AnthropicModelFacts;
/** @deprecated use `findAnthropicModelFacts` */
export const findAnthropicModel = findAnthropicModelFacts;
/** @deprecated use `ANTHROPIC_DEFAULT_CONTEXT_WINDOW` */
export const UNKNOWN_MODEL_CONTEXT_WINDOW = ANTHROPIC_DEFAULT_CONTEXT_WINDOW;
/** @deprecated use `ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS` */
export const DEFAULT_MAX_OUTPUT_TOKENS = ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS;
/** @deprecated use `ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS` */
export const NON_STREAMING_MAX_OUTPUT_TOKENS = ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS;
/** @deprecated use `ANTHROPIC_CONTEXT_1M_BETA` */
export const CONTEXT_1M_BETA = ANTHROPIC_CONTEXT_1M_BETA;

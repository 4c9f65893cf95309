import { ANTHROPIC_DEFAULT_CONTEXT_WINDOW, findAnthropicModelFacts } from '@rlm/anthropic';
import type { ModelPricing } from '@rlm/core/provider';
import { findOpenAIModelFacts, OPENAI_DEFAULT_CONTEXT_WINDOW } from '@rlm/openai';

/** What the estimate needs of a model: its window and, when the providers' catalogs know it, its prices. */
export interface ModelFacts {
  readonly id: string;
  readonly contextWindow: number;
  readonly pricing: ModelPricing | undefined;
}

/**
 * The window and prices of `provider:model` from the provider packages' catalogs (no key needed, so
 * a dry run works anywhere). Unknown models (local ones) get the provider's default window and no price.
 */
export function findModelFacts(id: string, contextWindow: number | undefined): ModelFacts {
  const separator = id.indexOf(':');
  const provider = id.slice(0, separator);
  const modelId = id.slice(separator + 1);
  const facts = provider === 'anthropic' ? findAnthropicModelFacts(modelId) : findOpenAIModelFacts(modelId);
  const defaultWindow =
    provider === 'anthropic' ? ANTHROPIC_DEFAULT_CONTEXT_WINDOW : OPENAI_DEFAULT_CONTEXT_WINDOW;
  return {
    id,
    contextWindow: contextWindow ?? facts?.contextWindow ?? defaultWindow,
    pricing: facts?.pricing,
  };
}

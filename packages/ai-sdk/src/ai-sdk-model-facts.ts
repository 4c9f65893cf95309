import { InvalidArgumentError } from '@rlm/core';
import type { ModelPricing } from '@rlm/core/provider';
import { AI_SDK_DEFAULT_CONTEXT_WINDOW, type FromAISDKOptions } from './from-ai-sdk-options';

/** What the bridge knows of a model's window and prices. */
export interface AISDKModelFacts {
  readonly contextWindow: number;
  readonly pricing?: ModelPricing;
  /** Higher prices for the whole call above a prompt size (the catalog's long-context tier). */
  readonly longContextPricing?: { readonly aboveInputTokens: number; readonly pricing: ModelPricing };
}

/** The window and prices of `modelId`: the options' own, else the default window and no prices. */
export function resolveAISDKModelFacts(modelId: string, options: FromAISDKOptions): AISDKModelFacts {
  checkPricing(options.pricing);
  return {
    contextWindow: options.contextWindow ?? AI_SDK_DEFAULT_CONTEXT_WINDOW,
    ...(options.pricing ? { pricing: options.pricing } : {}),
  };
}

function checkPricing(pricing: ModelPricing | undefined): void {
  if (pricing === undefined) return;
  for (const field of [
    'inputPerMillion',
    'outputPerMillion',
    'cachedInputPerMillion',
    'cacheWriteInputPerMillion',
  ] as const) {
    const value = pricing[field];
    if (value === undefined && (field === 'cachedInputPerMillion' || field === 'cacheWriteInputPerMillion')) {
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError({
        argument: `pricing.${field}`,
        message: `fromAISDK: pricing.${field} must be a number of US dollars per million tokens, 0 or more; got ${String(value)}.`,
      });
    }
  }
}

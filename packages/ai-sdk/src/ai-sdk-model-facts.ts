import { InvalidArgumentError } from '@rlm/core';
import { findKnownModelFacts, type LongContextPricing, type ModelPricing } from '@rlm/core/provider';
import { AI_SDK_DEFAULT_CONTEXT_WINDOW, type FromAISDKOptions } from './from-ai-sdk-options';

/** What the bridge knows of a model's window and prices. */
export interface AISDKModelFacts {
  readonly contextWindow: number;
  readonly pricing?: ModelPricing;
  /** Higher prices for the whole call above a prompt size (the catalog's long-context tier). */
  readonly longContextPricing?: LongContextPricing;
}

/**
 * The window and prices of `modelId`: the options' own first, then core's catalogs (which read the
 * ids of gateways and clouds too: `anthropic/claude-sonnet-4.5`, Bedrock's, Vertex's), else
 * {@link AI_SDK_DEFAULT_CONTEXT_WINDOW} and no prices. The catalog's long-context tier is derived
 * from the catalog's prices, so it is dropped when the user gives their own.
 */
export function resolveAISDKModelFacts(modelId: string, options: FromAISDKOptions): AISDKModelFacts {
  checkPricing(options.pricing);
  const known = findKnownModelFacts(modelId);
  const pricing = options.pricing ?? known?.pricing;
  const longContextPricing = options.pricing === undefined ? known?.longContextPricing : undefined;
  return {
    contextWindow: options.contextWindow ?? known?.contextWindow ?? AI_SDK_DEFAULT_CONTEXT_WINDOW,
    ...(pricing ? { pricing } : {}),
    ...(longContextPricing ? { longContextPricing } : {}),
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

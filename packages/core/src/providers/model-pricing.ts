import type { LanguageModelUsage } from '../language-model/language-model';

/** A model's prices in US dollars per million tokens. */
export interface ModelPricing {
  /** Uncached input tokens. */
  readonly inputPerMillion: number;
  /** Input tokens read from the provider's cache. Default: `inputPerMillion`. */
  readonly cachedInputPerMillion?: number;
  /** Input tokens written to the cache (Anthropic). Default: `inputPerMillion`. */
  readonly cacheWriteInputPerMillion?: number;
  /** Output tokens, reasoning included. */
  readonly outputPerMillion: number;
}

/** Prices that apply to a whole call instead of the normal ones when its prompt is longer than a threshold. */
export interface LongContextPricing {
  /** Prompts with more input tokens than this are priced at `pricing` as a whole. */
  readonly aboveInputTokens: number;
  readonly pricing: ModelPricing;
}

/**
 * The cost of one call from its usage. `inputTokens` includes cached and cache-written tokens
 * (`LanguageModelUsage`'s convention), so those are priced at their own rates and the rest at the
 * input rate.
 */
export function computeCostUsd(usage: LanguageModelUsage, pricing: ModelPricing): number {
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  const plainInput = Math.max(0, usage.inputTokens - cached - written);
  const perToken = 1 / 1_000_000;
  return (
    plainInput * pricing.inputPerMillion * perToken +
    cached * (pricing.cachedInputPerMillion ?? pricing.inputPerMillion) * perToken +
    written * (pricing.cacheWriteInputPerMillion ?? pricing.inputPerMillion) * perToken +
    usage.outputTokens * pricing.outputPerMillion * perToken
  );
}

import type { LanguageModelUsage } from '@rlm/core';
import { computeCostUsd, type ModelPricing } from '@rlm/core/provider';
import type { AnthropicModelFacts } from './anthropic-model-catalog';

/** The usage fields of a Messages API response (JSON `usage`, or `message_start` merged with `message_delta`). */
export interface AnthropicWireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: {
    ephemeral_5m_input_tokens?: number | null;
    ephemeral_1h_input_tokens?: number | null;
  } | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/**
 * Anthropic's usage in core's convention: Anthropic's `input_tokens` counts only the uncached part of
 * the prompt, while `LanguageModelUsage.inputTokens` includes cache reads and writes.
 */
export function convertAnthropicUsage(usage: AnthropicWireUsage): LanguageModelUsage {
  const uncached = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const thinking = usage.output_tokens_details?.thinking_tokens;
  return {
    inputTokens: uncached + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens ?? 0,
    cachedInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    ...(typeof thinking === 'number' ? { reasoningTokens: thinking } : {}),
  };
}

/**
 * The cost of one call. Uses `pricing` when the user gave one; otherwise the catalog's prices, with
 * the long-context rates when the prompt passed their threshold, and 1-hour cache writes (reported
 * apart in `cache_creation`) at their own price.
 */
export function computeAnthropicCostUsd(
  usage: LanguageModelUsage,
  wireUsage: AnthropicWireUsage,
  pricing: ModelPricing | undefined,
  model: AnthropicModelFacts | undefined,
): number | undefined {
  if (pricing) return computeCostUsd(usage, pricing);
  if (!model) return undefined;
  const tier =
    model.longContext && usage.inputTokens > model.longContext.thresholdTokens ? model.longContext : model;
  const oneHourWrites = wireUsage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const fiveMinuteWritePrice = tier.pricing.cacheWriteInputPerMillion ?? tier.pricing.inputPerMillion;
  return (
    computeCostUsd(usage, tier.pricing) +
    (oneHourWrites * (tier.cacheWriteOneHourInputPerMillion - fiveMinuteWritePrice)) / 1_000_000
  );
}

import type { LanguageModelUsage } from '@rlm/core';

/** The `usage` object of a Chat Completions response or final stream chunk, as servers send it. */
export interface OpenAIWireUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly completion_tokens_details?: { readonly reasoning_tokens?: number | null } | null;
}

/**
 * OpenAI's usage → core's. OpenAI's `prompt_tokens` already includes cached tokens and
 * `completion_tokens` includes reasoning tokens, which is core's convention too, so only the names
 * change. Cached and reasoning counts appear only when the server reported them.
 */
export function convertOpenAIUsage(usage: OpenAIWireUsage): LanguageModelUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
    ...(typeof cached === 'number' ? { cachedInputTokens: cached } : {}),
    ...(typeof reasoning === 'number' ? { reasoningTokens: reasoning } : {}),
  };
}

import { estimateTokens, type LanguageModelCallOptions, type LanguageModelUsage } from '@rlm/core';
import type { AISDKUsageV2, AISDKUsageV3 } from './ai-sdk-language-model';

/**
 * An AI SDK usage report in core's convention (`inputTokens` includes cached and cache-written
 * tokens, `outputTokens` includes reasoning). V3/V4 give `total`s that already do; when a total is
 * missing it is rebuilt from its parts. V2 reports flat counts. Counts the provider did not report
 * (some local servers send none) are estimated from characters, four a token as core does
 * everywhere, so that token budgets still move.
 */
export function convertAISDKUsage(
  usage: AISDKUsageV2 | AISDKUsageV3 | undefined,
  options: LanguageModelCallOptions,
  text: string,
): LanguageModelUsage {
  const counts = usage === undefined ? {} : readCounts(usage);
  const inputTokens = counts.inputTokens ?? estimatePromptTokens(options);
  const outputTokens = counts.outputTokens ?? estimateTokens(text);
  return {
    inputTokens,
    outputTokens,
    ...(counts.cachedInputTokens === undefined ? {} : { cachedInputTokens: counts.cachedInputTokens }),
    ...(counts.cacheWriteInputTokens === undefined
      ? {}
      : { cacheWriteInputTokens: counts.cacheWriteInputTokens }),
    ...(counts.reasoningTokens === undefined ? {} : { reasoningTokens: counts.reasoningTokens }),
  };
}

interface ReportedCounts {
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  reasoningTokens?: number;
}

function readCounts(usage: AISDKUsageV2 | AISDKUsageV3): ReportedCounts {
  if (isNestedUsage(usage)) {
    const input = usage.inputTokens;
    const output = usage.outputTokens;
    const cacheRead = count(input.cacheRead);
    const cacheWrite = count(input.cacheWrite);
    const reasoning = count(output.reasoning);
    // A provider that reports only the parts: the total is uncached + cache reads + cache writes.
    const inputTotal = count(input.total) ?? addParts(count(input.noCache), cacheRead, cacheWrite);
    const outputTotal = count(output.total) ?? addParts(count(output.text), reasoning, undefined);
    return definedOnly({
      inputTokens: inputTotal,
      outputTokens: outputTotal,
      cachedInputTokens: cacheRead,
      cacheWriteInputTokens: cacheWrite,
      reasoningTokens: reasoning,
    });
  }
  return definedOnly({
    inputTokens: count(usage.inputTokens),
    outputTokens: count(usage.outputTokens),
    cachedInputTokens: count(usage.cachedInputTokens),
    reasoningTokens: count(usage.reasoningTokens),
  });
}

function isNestedUsage(usage: AISDKUsageV2 | AISDKUsageV3): usage is AISDKUsageV3 {
  return typeof usage.inputTokens === 'object' && usage.inputTokens !== null;
}

/** A reported count, or `undefined` for a missing or nonsensical one (negative, fractional, NaN). */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function addParts(
  base: number | undefined,
  first: number | undefined,
  second: number | undefined,
): number | undefined {
  return base === undefined ? undefined : base + (first ?? 0) + (second ?? 0);
}

function definedOnly(counts: Partial<Record<keyof ReportedCounts, number | undefined>>): ReportedCounts {
  const result: ReportedCounts = {};
  for (const [key, value] of Object.entries(counts)) {
    if (value !== undefined) result[key as keyof ReportedCounts] = value;
  }
  return result;
}

function estimatePromptTokens(options: LanguageModelCallOptions): number {
  let tokens = 0;
  for (const message of options.messages) tokens += estimateTokens(message.content);
  return tokens;
}

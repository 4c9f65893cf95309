import type { FinishReason } from '@rlm/core';

/** Chat Completions' `finish_reason` → core's. Tool and function calls (never requested here) become `'other'`. */
export function mapOpenAIFinishReason(finishReason: string | null | undefined): FinishReason | undefined {
  switch (finishReason) {
    case null:
    case undefined:
      return undefined;
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

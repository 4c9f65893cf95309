import type { FinishReason, LanguageModelUsage } from '@rlm/core';

/** What one Chat Completions response carried, before cost and usage fallbacks are added. */
export interface OpenAIResponse {
  readonly text: string;
  /** Absent when the server reported no usage. */
  readonly usage?: LanguageModelUsage;
  readonly finishReason?: FinishReason;
  readonly response: { readonly id?: string; readonly modelId?: string };
}

import type { FinishReason } from '@rlm/core';

/** Anthropic's `stop_reason` → core's finish reason. */
export function mapAnthropicFinishReason(stopReason: string | null): FinishReason | undefined {
  switch (stopReason) {
    case null:
      return undefined;
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

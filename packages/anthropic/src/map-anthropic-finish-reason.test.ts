import { describe, expect, it } from 'vitest';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';

describe('mapAnthropicFinishReason', () => {
  it("maps Anthropic's stop reasons", () => {
    expect(
      [
        'end_turn',
        'stop_sequence',
        'max_tokens',
        'model_context_window_exceeded',
        'refusal',
        'pause_turn',
      ].map(mapAnthropicFinishReason),
    ).toEqual(['stop', 'stop', 'length', 'length', 'content-filter', 'other']);
    expect(mapAnthropicFinishReason(null)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { readAnthropicResponse } from './read-anthropic-response';

describe('readAnthropicResponse', () => {
  it('joins the text blocks and leaves thinking blocks out', () => {
    const response = readAnthropicResponse({
      id: 'msg_1',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'thinking', thinking: 'hidden', signature: 's' } as never,
        { type: 'redacted_thinking', data: 'x' } as never,
        { type: 'text', text: 'Hello, ' },
        { type: 'text', text: 'world' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 1, output_tokens: 2 },
    });
    expect(response).toEqual({
      text: 'Hello, world',
      usage: { input_tokens: 1, output_tokens: 2 },
      stopReason: 'end_turn',
      id: 'msg_1',
      model: 'claude-sonnet-4-5-20250929',
    });
  });
});

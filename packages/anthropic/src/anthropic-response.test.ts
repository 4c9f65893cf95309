import { describe, expect, it } from 'vitest';
import {
  IncompleteStreamError,
  readAnthropicMessage,
  readAnthropicStream,
  toFinishReason,
} from './anthropic-response';

async function* events(...list: unknown[]) {
  for (const event of list) yield event;
}

describe('readAnthropicMessage', () => {
  it('joins the text blocks and leaves thinking blocks out', () => {
    const response = readAnthropicMessage({
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

describe('readAnthropicStream', () => {
  it('collects text deltas of text blocks only and merges cumulative usage', async () => {
    const response = await readAnthropicStream(
      events(
        {
          type: 'message_start',
          message: {
            id: 'msg_2',
            model: 'm',
            content: [],
            usage: {
              input_tokens: 10,
              output_tokens: 1,
              cache_read_input_tokens: 90,
              cache_creation_input_tokens: 0,
            },
          },
        },
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'secret' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Zürich ' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '🚀' } },
        { type: 'content_block_stop', index: 1 },
        {
          type: 'message_delta',
          delta: { stop_reason: 'max_tokens' },
          usage: { output_tokens: 42, input_tokens: null },
        },
        { type: 'message_stop' },
      ),
    );
    expect(response).toEqual({
      text: 'Zürich 🚀',
      usage: {
        input_tokens: 10,
        output_tokens: 42,
        cache_read_input_tokens: 90,
        cache_creation_input_tokens: 0,
      },
      stopReason: 'max_tokens',
      id: 'msg_2',
      model: 'm',
    });
  });

  it('fails when the stream ends before message_stop', async () => {
    await expect(
      readAnthropicStream(
        events(
          { type: 'message_start', message: { id: 'x', content: [], usage: {} } },
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'half' } },
        ),
      ),
    ).rejects.toBeInstanceOf(IncompleteStreamError);
  });
});

describe('toFinishReason', () => {
  it("maps Anthropic's stop reasons", () => {
    expect(
      [
        'end_turn',
        'stop_sequence',
        'max_tokens',
        'model_context_window_exceeded',
        'refusal',
        'pause_turn',
      ].map(toFinishReason),
    ).toEqual(['stop', 'stop', 'length', 'length', 'content-filter', 'other']);
    expect(toFinishReason(null)).toBeUndefined();
  });
});

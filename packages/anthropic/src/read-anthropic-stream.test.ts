import { describe, expect, it } from 'vitest';
import { IncompleteStreamError, readAnthropicStream } from './read-anthropic-stream';

async function* events(...list: unknown[]) {
  for (const event of list) yield event;
}

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

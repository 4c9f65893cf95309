import type { AnthropicResponse } from './anthropic-response';
import type { AnthropicWireUsage } from './convert-anthropic-usage';
import type { AnthropicWireMessage } from './read-anthropic-response';

/** The stream events this provider reads (the SDK's `RawMessageStreamEvent`, loosely typed). */
type WireStreamEvent =
  | { readonly type: 'message_start'; readonly message: AnthropicWireMessage }
  | {
      readonly type: 'content_block_start';
      readonly index: number;
      readonly content_block: { readonly type: string; readonly text?: string };
    }
  | {
      readonly type: 'content_block_delta';
      readonly index: number;
      readonly delta: { readonly type: string; readonly text?: string };
    }
  | {
      readonly type: 'message_delta';
      readonly delta: { readonly stop_reason?: string | null };
      readonly usage?: AnthropicWireUsage;
    }
  | { readonly type: 'message_stop' }
  | { readonly type: string };

/** A server-sent-event stream ended before `message_stop`: the connection dropped mid-answer. */
export class IncompleteStreamError extends Error {
  constructor() {
    super('The response stream ended before its message_stop event (the connection dropped mid-answer).');
    this.name = 'IncompleteStreamError';
  }
}

/**
 * Reads a streamed answer: text deltas of text blocks only, usage from `message_start` updated by
 * `message_delta` (whose counts are cumulative). Throws {@link IncompleteStreamError} when the stream
 * ends without `message_stop`, because the SDK ends a stream quietly when it is cut.
 */
export async function readAnthropicStream(events: AsyncIterable<unknown>): Promise<AnthropicResponse> {
  let text = '';
  let usage: AnthropicWireUsage = {};
  let stopReason: string | null = null;
  let id: string | undefined;
  let model: string | undefined;
  let stopped = false;
  const textBlocks = new Set<number>();

  for await (const raw of events) {
    const event = raw as WireStreamEvent;
    if (event.type === 'message_start' && 'message' in event) {
      id = event.message.id;
      model = event.message.model;
      usage = { ...event.message.usage };
    } else if (event.type === 'content_block_start' && 'content_block' in event) {
      if (event.content_block.type === 'text') {
        textBlocks.add(event.index);
        text += event.content_block.text ?? '';
      }
    } else if (event.type === 'content_block_delta' && 'delta' in event && 'index' in event) {
      if (textBlocks.has(event.index) && event.delta.type === 'text_delta') text += event.delta.text ?? '';
    } else if (event.type === 'message_delta' && 'delta' in event) {
      stopReason = event.delta.stop_reason ?? stopReason;
      if (event.usage) usage = mergeUsage(usage, event.usage);
    } else if (event.type === 'message_stop') {
      stopped = true;
    }
  }
  if (!stopped) throw new IncompleteStreamError();
  return {
    text,
    usage,
    stopReason,
    ...(id !== undefined ? { id } : {}),
    ...(model !== undefined ? { model } : {}),
  };
}

/** Later counts win; a `null` or missing field keeps the earlier one. */
function mergeUsage(earlier: AnthropicWireUsage, later: AnthropicWireUsage): AnthropicWireUsage {
  const merged: Record<string, unknown> = { ...earlier };
  for (const [key, value] of Object.entries(later)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged as AnthropicWireUsage;
}

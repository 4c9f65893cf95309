import type { AnthropicResponse } from './anthropic-response';
import type { AnthropicWireUsage } from './convert-anthropic-usage';

/** The parts of a `Message` this provider reads. */
export interface AnthropicWireMessage {
  readonly id?: string;
  readonly model?: string;
  readonly content?: readonly { readonly type: string; readonly text?: string }[];
  readonly stop_reason?: string | null;
  readonly usage?: AnthropicWireUsage;
}

/** Whether `value` has the shape of a Messages API `Message` (a proxy may answer with anything). */
export function isAnthropicMessage(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as AnthropicWireMessage).content) &&
    typeof (value as AnthropicWireMessage).usage === 'object'
  );
}

/** Reads a JSON `Message`. */
export function readAnthropicResponse(message: AnthropicWireMessage): AnthropicResponse {
  let text = '';
  for (const block of message.content ?? []) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
  }
  return {
    text,
    usage: message.usage ?? {},
    stopReason: message.stop_reason ?? null,
    ...(message.id !== undefined ? { id: message.id } : {}),
    ...(message.model !== undefined ? { model: message.model } : {}),
  };
}

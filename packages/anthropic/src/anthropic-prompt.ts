import type { ChatMessage } from '@rlm/core';

/** A cache breakpoint as the Messages API spells it. */
export interface AnthropicCacheControl {
  readonly type: 'ephemeral';
  readonly ttl?: '5m' | '1h';
}

/** A text content block, optionally ending a cached prefix. */
export interface AnthropicTextBlock {
  readonly type: 'text';
  readonly text: string;
  readonly cache_control?: AnthropicCacheControl;
}

/** One message of the Messages API `messages` list. */
export interface AnthropicMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string | readonly AnthropicTextBlock[];
}

/** The `system` and `messages` fields of a request. */
export interface AnthropicPrompt {
  readonly system?: string | readonly AnthropicTextBlock[];
  readonly messages: readonly AnthropicMessage[];
}

/**
 * Anthropic allows at most 4 breakpoints per request; this provider uses up to 3 (system prompt,
 * previous turn, last message), leaving one for a caller's own `providerOptions`.
 */
export const MAX_PROVIDER_CACHE_BREAKPOINTS = 3;

/**
 * Turns chat messages into Anthropic's `system` field plus `messages`, and, when `cacheControl` is
 * given, marks cache breakpoints:
 *
 * 1. the system prompt (identical in every turn of a run, and in every sub-call of the same kind);
 * 2. the last user message before the last assistant message: the previous request's final breakpoint,
 *    so this request reads that whole prefix from the cache even when more than the API's lookback
 *    window of blocks was appended since;
 * 3. the last message: writes the grown prefix for the next turn.
 *
 * System messages anywhere in the list are gathered, in order, into the `system` field (the
 * Messages API has no system role). Empty texts are never marked (the API rejects empty blocks).
 */
export function toAnthropicPrompt(
  messages: readonly ChatMessage[],
  cacheControl?: AnthropicCacheControl,
): AnthropicPrompt {
  const systemTexts: string[] = [];
  const conversation: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const message of messages) {
    if (message.role === 'system') systemTexts.push(message.content);
    else conversation.push({ role: message.role, content: message.content });
  }

  if (!cacheControl) {
    return {
      ...(systemTexts.length > 0 ? { system: systemTexts.join('\n\n') } : {}),
      messages: conversation,
    };
  }

  const marked = new Set<number>();
  const lastIndex = conversation.length - 1;
  if (lastIndex >= 0 && conversation[lastIndex]!.content !== '') marked.add(lastIndex);
  const lastAssistant = conversation.findLastIndex((message) => message.role === 'assistant');
  for (let index = lastAssistant - 1; index >= 0; index--) {
    const message = conversation[index]!;
    if (message.role === 'user' && message.content !== '') {
      marked.add(index);
      break;
    }
  }

  const system = systemTexts.filter((text) => text !== '');
  return {
    ...(system.length > 0
      ? {
          system: system.map((text, index) =>
            index === system.length - 1
              ? { type: 'text' as const, text, cache_control: cacheControl }
              : { type: 'text' as const, text },
          ),
        }
      : {}),
    messages: conversation.map((message, index) =>
      marked.has(index)
        ? {
            role: message.role,
            content: [{ type: 'text', text: message.content, cache_control: cacheControl }],
          }
        : message,
    ),
  };
}

import type { ChatMessage } from '@rlm/core';
import type { ChatHistoryItem } from 'node-llama-cpp';

/**
 * Core's messages as node-llama-cpp's chat history, ending with the model's turn: an empty model
 * item after a user message (the template opens the assistant's turn), or the last assistant
 * message itself, which the model then continues (a prefilled answer).
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  if (messages.at(-1)?.role !== 'assistant') history.push({ type: 'model', response: [] });
  return history;
}

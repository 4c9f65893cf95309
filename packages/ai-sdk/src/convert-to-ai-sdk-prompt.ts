import type { ChatMessage } from '@rlm/core';
import type { AISDKPromptMessage } from './ai-sdk-language-model';

/** Core's plain-text chat messages as an AI SDK prompt (the same shape in V2, V3 and V4). */
export function convertToAISDKPrompt(messages: readonly ChatMessage[]): AISDKPromptMessage[] {
  return messages.map((message): AISDKPromptMessage => {
    if (message.role === 'system') return { role: 'system', content: message.content };
    return { role: message.role, content: [{ type: 'text', text: message.content }] };
  });
}

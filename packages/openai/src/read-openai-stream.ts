import { APIConnectionError, type FinishReason, type LanguageModelUsage } from '@rlm/core';
import { convertOpenAIUsage, type OpenAIWireUsage } from './convert-openai-usage';
import { malformedResponseError } from './malformed-response-error';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import type { OpenAIRequestContext } from './openai-request-context';
import type { OpenAIResponse } from './openai-response';

/** One `chat.completion.chunk` event, as servers send it. */
interface WireChatCompletionChunk {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly {
    readonly delta?: { readonly content?: string | null } | null;
    readonly finish_reason?: string | null;
  }[];
  readonly usage?: OpenAIWireUsage | null;
}

/**
 * Reads a streamed Chat Completions response to the end and returns the whole text. Reasoning
 * deltas (`reasoning_content`) are left out. The usage arrives in a last chunk with no choices,
 * sent because the request asked for `stream_options.include_usage`.
 */
export async function readOpenAIStream(
  chunks: AsyncIterable<unknown>,
  context: OpenAIRequestContext,
): Promise<OpenAIResponse> {
  const parts: string[] = [];
  let finishReason: FinishReason | undefined;
  let sawFinish = false;
  let usage: LanguageModelUsage | undefined;
  let id: string | undefined;
  let modelId: string | undefined;
  try {
    for await (const value of chunks) {
      const chunk = value as WireChatCompletionChunk;
      if (id === undefined && typeof chunk.id === 'string' && chunk.id !== '') id = chunk.id;
      if (modelId === undefined && typeof chunk.model === 'string' && chunk.model !== '')
        modelId = chunk.model;
      if (chunk.usage) usage = convertOpenAIUsage(chunk.usage);
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const content = choice.delta?.content;
      if (typeof content === 'string' && content !== '') parts.push(content);
      if (choice.finish_reason) {
        sawFinish = true;
        finishReason = mapOpenAIFinishReason(choice.finish_reason);
      }
    }
  } catch (error) {
    // The SDK parses each `data:` line with JSON.parse and lets its SyntaxError through.
    if (error instanceof SyntaxError) {
      throw malformedResponseError(context, 'sent a stream event that is not JSON', { cause: error });
    }
    throw error;
  }
  if (!sawFinish) {
    // A connection closed cleanly mid-answer would otherwise pass for a complete, shorter answer.
    throw new APIConnectionError({
      provider: context.provider,
      message: `The stream from ${context.baseURL} ended before the model finished (no finish_reason). The call can be retried.`,
      url: `${context.baseURL}/chat/completions`,
    });
  }
  return {
    text: parts.join(''),
    ...(usage ? { usage } : {}),
    ...(finishReason ? { finishReason } : {}),
    response: { ...(id === undefined ? {} : { id }), ...(modelId === undefined ? {} : { modelId }) },
  };
}

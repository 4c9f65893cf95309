import type { GeneratedText } from './ai-sdk-adapter-language-model';
import type { AISDKGenerateResult, AISDKStreamPart } from './ai-sdk-language-model';

/**
 * Gathers an AI SDK `doStream` stream into one result: the text deltas in order, the `finish`
 * part's usage and reason, the response metadata. An `error` part is thrown (the provider puts
 * mid-stream failures there) after cancelling the rest of the stream; a stream that ends without
 * `finish` gets V4's finish reason `'interrupted'` (core's `'error'`), so the loop sees the text may
 * be cut.
 */
export async function readAISDKStream(stream: ReadableStream<AISDKStreamPart>): Promise<GeneratedText> {
  const reader = stream.getReader();
  let text = '';
  let finish: AISDKStreamPart | undefined;
  let response: { id?: string; modelId?: string } | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      switch (value.type) {
        case 'text-delta':
          if (typeof value.delta === 'string') text += value.delta;
          break;
        case 'response-metadata':
          response = {
            ...(value.id === undefined ? {} : { id: value.id }),
            ...(value.modelId === undefined ? {} : { modelId: value.modelId }),
          };
          break;
        case 'finish':
          finish = value;
          break;
        case 'error':
          await reader.cancel(value.error).catch(() => undefined);
          throw value.error;
      }
    }
  } finally {
    reader.releaseLock();
  }
  const result: Pick<AISDKGenerateResult, 'usage' | 'finishReason' | 'response'> = {
    usage: finish?.usage ?? { inputTokens: undefined, outputTokens: undefined },
    finishReason: finish?.finishReason ?? 'interrupted',
    ...(response ? { response } : {}),
  };
  return { text, result };
}

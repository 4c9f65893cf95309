import { convertOpenAIUsage, type OpenAIWireUsage } from './convert-openai-usage';
import { malformedResponseError } from './malformed-response-error';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import type { OpenAIRequestContext } from './openai-request-context';
import type { OpenAIResponse } from './openai-response';

interface WireChatCompletion {
  readonly id?: string;
  readonly model?: string;
  readonly choices?: readonly {
    readonly message?: { readonly content?: unknown; readonly refusal?: string | null } | null;
    readonly finish_reason?: string | null;
  }[];
  readonly usage?: OpenAIWireUsage | null;
}

/**
 * Reads a non-streamed Chat Completions response. The SDK hands over whatever the server sent (a
 * string when it was not JSON), so the shape is checked rather than trusted.
 */
export function readOpenAIResponse(body: unknown, context: OpenAIRequestContext): OpenAIResponse {
  if (typeof body !== 'object' || body === null) {
    const text = typeof body === 'string' ? body : String(body);
    throw malformedResponseError(context, `answered ${describeText(text)}`, {
      responseBody: text,
      retryable: false,
    });
  }
  const completion = body as WireChatCompletion;
  const choice = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  if (!choice) {
    throw malformedResponseError(context, 'answered JSON without choices', {
      responseBody: safeStringify(body),
      retryable: false,
    });
  }
  const message = choice.message;
  const text = contentText(message?.content) ?? message?.refusal ?? '';
  const finishReason = mapOpenAIFinishReason(choice.finish_reason);
  return {
    text,
    ...(completion.usage ? { usage: convertOpenAIUsage(completion.usage) } : {}),
    ...(finishReason ? { finishReason } : {}),
    response: {
      ...(typeof completion.id === 'string' ? { id: completion.id } : {}),
      ...(typeof completion.model === 'string' ? { modelId: completion.model } : {}),
    },
  };
}

/**
 * The message content as text: a string as it is; an array of parts (some compatible servers answer
 * with `[{ type: 'text', text }]`) joined; nothing else is text.
 */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .join('');
}

function describeText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'an empty body';
  const start = trimmed.slice(0, 80).replace(/\s+/g, ' ');
  return `a body that is not JSON ("${start}${trimmed.length > 80 ? '…' : ''}")`;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

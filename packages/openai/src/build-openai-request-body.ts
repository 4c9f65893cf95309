import { type ChatMessage, InvalidArgumentError } from '@rlm/core';

/** Everything that goes into one Chat Completions request body. */
export interface OpenAIRequestBodyInput {
  readonly modelId: string;
  readonly messages: readonly ChatMessage[];
  readonly maxOutputTokens?: number;
  /** Decides the name of the output cap: `max_completion_tokens` (true) or `max_tokens` (false). */
  readonly reasoningModel: boolean;
  readonly temperature?: number;
  readonly reasoningEffort?: string;
  readonly stream: boolean;
  /** The model's `extraBody` setting. */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** The call's `providerOptions` for this provider, merged over `extraBody`. */
  readonly callProviderOptions?: Readonly<Record<string, unknown>>;
}

/** Fields the provider owns; letting options replace them would break how the response is read. */
const RESERVED_FIELDS = new Set(['model', 'messages', 'stream', 'stream_options']);

/** camelCase names accepted in `providerOptions.openai`, for symmetry with the model settings. */
const CAMEL_CASE_FIELDS: Readonly<Record<string, string>> = { reasoningEffort: 'reasoning_effort' };

/**
 * The JSON body of one Chat Completions request. Pass-through fields from `extraBody` and the call's
 * provider options are merged last, so they can replace computed fields such as `max_tokens`, but
 * not the model, the messages or the streaming fields.
 */
export function buildOpenAIRequestBody(input: OpenAIRequestBodyInput): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: input.modelId,
    messages: input.messages.map((message) => ({ role: message.role, content: message.content })),
  };
  if (input.maxOutputTokens !== undefined) {
    body[input.reasoningModel ? 'max_completion_tokens' : 'max_tokens'] = input.maxOutputTokens;
  }
  if (input.temperature !== undefined) body.temperature = input.temperature;
  if (input.reasoningEffort !== undefined) body.reasoning_effort = input.reasoningEffort;
  if (input.extraBody) mergePassThrough(body, input.extraBody, 'extraBody');
  if (input.callProviderOptions) mergePassThrough(body, input.callProviderOptions, 'providerOptions.openai');
  if (input.stream) {
    body.stream = true;
    // Without this the stream carries no token counts at all.
    body.stream_options = { include_usage: true };
  }
  return body;
}

function mergePassThrough(
  body: Record<string, unknown>,
  fields: Readonly<Record<string, unknown>>,
  argument: string,
): void {
  for (const [name, value] of Object.entries(fields)) {
    if (RESERVED_FIELDS.has(name)) {
      throw new InvalidArgumentError({
        argument: `${argument}.${name}`,
        message:
          `${argument}.${name} cannot be set: the provider sends '${name}' itself. ` +
          (name.startsWith('stream')
            ? "Use the model setting { stream: true } to stream, e.g. openai('gpt-5-mini', { stream: true })."
            : 'Pass the model id and the messages through the call instead.'),
      });
    }
    if (value === undefined) continue;
    body[CAMEL_CASE_FIELDS[name] ?? name] = value;
  }
}

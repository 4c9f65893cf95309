import { type ChatMessage, InvalidArgumentError } from '@rlm/core';
import type { AnthropicThinking } from './anthropic-model-settings';
import { type AnthropicCacheControl, toAnthropicPrompt } from './anthropic-prompt';

/** Everything that goes into one Messages API request body. */
export interface AnthropicRequestBodyInput {
  readonly modelId: string;
  readonly messages: readonly ChatMessage[];
  /** `max_tokens`: thinking and answer together. */
  readonly maxOutputTokens: number;
  /** Where set, cache breakpoints are marked with it (see `toAnthropicPrompt`). */
  readonly cacheControl?: AnthropicCacheControl;
  readonly temperature?: number;
  readonly thinking?: AnthropicThinking;
  /** The model's `extraBody` setting. */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** The call's `providerOptions.anthropic`, merged over `extraBody`. */
  readonly callProviderOptions?: Readonly<Record<string, unknown>>;
}

/** The request body as this provider builds it (the SDK's types lag behind some fields, e.g. `temperature`). */
export interface AnthropicRequestBody {
  readonly model: string;
  readonly max_tokens: number;
  readonly [field: string]: unknown;
}

/**
 * The JSON body of one Messages API request. Pass-through fields from `extraBody` and the call's
 * provider options are merged last, so they can replace any computed field.
 */
export function buildAnthropicRequestBody(input: AnthropicRequestBodyInput): AnthropicRequestBody {
  const { thinking, maxOutputTokens } = input;
  if (thinking?.type === 'enabled' && maxOutputTokens <= thinking.budgetTokens) {
    throw new InvalidArgumentError({
      argument: 'maxOutputTokens',
      message:
        `maxOutputTokens (${maxOutputTokens}) must exceed the thinking budget (${thinking.budgetTokens}) for ` +
        `'${input.modelId}': max_tokens counts thinking and answer together. Raise maxOutputTokens or lower budgetTokens.`,
    });
  }
  return {
    model: input.modelId,
    max_tokens: maxOutputTokens,
    ...toAnthropicPrompt(input.messages, input.cacheControl),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    ...(thinking?.type === 'enabled'
      ? { thinking: { type: 'enabled', budget_tokens: thinking.budgetTokens } }
      : thinking?.type === 'adaptive'
        ? { thinking: { type: 'adaptive' } }
        : {}),
    ...input.extraBody,
    ...input.callProviderOptions,
  };
}

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
  /**
   * The call's `providerOptions.anthropic`, merged over `extraBody`. Its `thinking` may be written
   * as in the model settings (`{ type: 'enabled', budgetTokens }`), so that one call (a root turn, a
   * sub-call) can think differently from another; a call that turns thinking on drops the model's
   * `temperature`, and one that sets `temperature` drops the model's thinking (the API refuses both).
   */
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
  const call = callOptionsOf(input.callProviderOptions);
  const thinking = call?.thinking ?? (call && 'temperature' in call ? undefined : input.thinking);
  const temperature = call && 'thinking' in call && call.thinking?.type ? undefined : input.temperature;
  const { maxOutputTokens } = input;
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
    ...(temperature !== undefined ? { temperature } : {}),
    ...(thinking?.type === 'enabled'
      ? { thinking: { type: 'enabled', budget_tokens: thinking.budgetTokens } }
      : thinking?.type === 'adaptive'
        ? { thinking: { type: 'adaptive' } }
        : {}),
    ...input.extraBody,
    ...call?.rest,
  };
}

/** The call's options, its `thinking` read in either spelling (`budgetTokens` or `budget_tokens`). */
function callOptionsOf(
  options: Readonly<Record<string, unknown>> | undefined,
): { thinking?: AnthropicThinking; temperature?: unknown; rest: Record<string, unknown> } | undefined {
  if (!options) return undefined;
  const { thinking, ...rest } = options;
  if (thinking === undefined)
    return { rest, ...('temperature' in options ? { temperature: options.temperature } : {}) };
  const written = thinking as { type?: unknown; budgetTokens?: unknown; budget_tokens?: unknown } | null;
  if (written?.type === 'adaptive') return { thinking: { type: 'adaptive' }, rest };
  const budget = written?.budgetTokens ?? written?.budget_tokens;
  if (written?.type === 'enabled' && typeof budget === 'number') {
    return { thinking: { type: 'enabled', budgetTokens: budget }, rest };
  }
  // Anything else (`{ type: 'disabled' }`, a future form) goes to the API as written.
  return { rest: options };
}

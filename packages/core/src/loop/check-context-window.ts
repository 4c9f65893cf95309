import { ContextWindowExceededError } from '../errors/context-window-exceeded-error';
import type { LanguageModel } from '../language-model/language-model';
import { estimateTokens } from '../text/estimate-tokens';
import { groupDigits } from '../text/group-digits';

/** Tokens kept free in the context-window check besides the prompt, when no output cap is set. */
const DEFAULT_OUTPUT_RESERVE_TOKENS = 1_024;

/**
 * Refuses a sub-call whose prompt cannot fit the target model's context window, before anything is
 * sent (the reference never checked: its issue #42), with how small the pieces must be.
 */
export function checkContextWindow(
  prompt: string,
  model: LanguageModel,
  maxOutputTokens: number | undefined,
  functionName: string,
): void {
  const promptTokens = estimateTokens(prompt);
  const available =
    model.contextWindow -
    (maxOutputTokens ?? Math.min(DEFAULT_OUTPUT_RESERVE_TOKENS, Math.floor(model.contextWindow / 4)));
  if (promptTokens > available) {
    const fits = Math.max(0, available * 4);
    throw new ContextWindowExceededError({
      modelId: model.modelId,
      contextWindow: model.contextWindow,
      promptTokens,
      message:
        `${functionName}: the prompt is ${groupDigits(prompt.length)} characters (~${groupDigits(promptTokens)} tokens), ` +
        `but '${model.modelId}' takes at most ${groupDigits(model.contextWindow)} tokens. Nothing was sent. ` +
        `Split the text into pieces of at most ~${groupDigits(Math.floor(fits * 0.9))} characters and use llm_query_batched.`,
    });
  }
}

import { CHARACTERS_PER_TOKEN, type LanguageModel } from '@rlm/core';

/** Output tokens kept free in every direct call's window. */
export const ANSWER_TOKENS = 4_096;

/**
 * Real tokenizers count more tokens than 4 characters each for code, ids and numbers; keeping 15%
 * in hand makes a cut context fit rather than fail with a context-length error.
 */
const TOKENIZER_MARGIN = 0.85;

/** How many characters of context fit in `model`'s window beside `overheadText` and an answer. */
export function contextCharactersThatFit(
  model: LanguageModel,
  overheadText: string,
  reservedTokens = 0,
): number {
  const tokens =
    model.contextWindow -
    ANSWER_TOKENS -
    reservedTokens -
    Math.ceil(overheadText.length / CHARACTERS_PER_TOKEN);
  return Math.max(0, Math.floor(tokens * CHARACTERS_PER_TOKEN * TOKENIZER_MARGIN));
}

/** The text cut to `characters` (its start), and a note saying how much was left out, if any. */
export function cutToWindow(
  text: string,
  characters: number,
): { readonly text: string; readonly note: string } {
  if (text.length <= characters) return { text, note: '' };
  return {
    text: text.slice(0, characters),
    note: ` (cut to fit your context window: the first ${characters.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters)`,
  };
}

/**
 * Tokens of the CodeAct agent's window kept for its turns (code, outputs, search results): 24K, or
 * a quarter of a small window.
 */
export function codeActTurnTokens(contextWindow: number): number {
  return Math.min(24_000, Math.floor(contextWindow / 4));
}

/**
 * Characters per token assumed when no tokenizer is at hand. Four is the usual figure for English
 * prose with GPT- and Claude-family tokenizers; code and non-Latin scripts take more tokens per
 * character, which is why the context-window check keeps a margin (see `contextWindowMargin`).
 */
export const CHARACTERS_PER_TOKEN = 4;

/** An approximate token count for `text`, without a tokenizer. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

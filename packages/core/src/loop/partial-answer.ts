import type { ReplLanguage } from '../environment/repl-environment';
import { extractRunnableCodeBlocks, removeFencedBlocks } from '../text/extract-code-blocks';

/**
 * Openings of a reply that plans or narrates rather than answers ("I'll ask a sub-model…", "Let me
 * look…", "Now classify…"). A reply that starts so is a step of the work, never an answer.
 */
const PLANNING_OPENING =
  /^(?:I['’]ll|I will|I am going to|I['’]m going to|I need to|I should|I['’]d like to|I can|I want to|Let me|Let['’]s|Let us|First\b|Next\b|Now\b|Then\b|To (?:answer|do|find|start)\b|Step \d|Okay\b|OK\b|Sure\b|Alright\b)/i;

/** `FINAL(`, `FINAL_VAR(` written anywhere: code meant to run, not an answer to print. */
const FINAL_CALL = /\bFINAL(?:_VAR)?\s*\(/;

/**
 * The answer a model's reply gives in prose, or `undefined` when it gives none. A partial answer
 * must be something that answers: a reply with runnable code is a step of the work (its prose is a
 * plan: "I'll ask a sub-model about every file."), a fenced block or a `FINAL(...)` call is code
 * that never ran, and a reply that opens with a plan ("Let me…", "Now…") is chatter. What is left is
 * the prose outside fences.
 */
export function answerFromReply(reply: string | undefined, language: ReplLanguage): string | undefined {
  if (reply === undefined) return undefined;
  if (
    (language === 'javascript' || language === 'python') &&
    extractRunnableCodeBlocks(reply, language).length > 0
  ) {
    return undefined;
  }
  const prose = removeFencedBlocks(reply).trim();
  if (prose === '' || FINAL_CALL.test(prose) || PLANNING_OPENING.test(prose)) return undefined;
  return prose;
}

import { removeFencedBlocks } from './extract-code-blocks';

/** A `FINAL(...)` or `FINAL_VAR(...)` the model wrote as text outside its code. */
export interface ProseFinal {
  readonly kind: 'FINAL' | 'FINAL_VAR';
  /** What stood between the parentheses, trimmed. */
  readonly argument: string;
  /**
   * Whether it opened a line (after optional markdown emphasis or a list marker). A `FINAL(...)`
   * mid-sentence is usually a plan ("then I will call FINAL(answer)"), not an answer.
   */
  readonly atLineStart: boolean;
}

const CALL = /\b(FINAL_VAR|FINAL)\s*\(/g;
const LINE_START_PREFIX = /^[ \t>*_`#-]*$/;

/**
 * The last text-form final call in the prose of `reply` (code blocks are ignored: those run as real
 * code). This is only a fallback for models that write the call as text instead of code; the loop
 * decides whether to trust it.
 */
export function findFinalInProse(reply: string): ProseFinal | undefined {
  const prose = removeFencedBlocks(reply);
  let found: ProseFinal | undefined;
  CALL.lastIndex = 0;
  let match: RegExpExecArray | null = CALL.exec(prose);
  while (match !== null) {
    const argumentStart = match.index + match[0].length;
    const argumentEnd = findClosingParenthesis(prose, argumentStart);
    if (argumentEnd !== -1) {
      const lineStart = prose.lastIndexOf('\n', match.index) + 1;
      found = {
        kind: match[1] as 'FINAL' | 'FINAL_VAR',
        argument: prose.slice(argumentStart, argumentEnd).trim(),
        atLineStart: LINE_START_PREFIX.test(prose.slice(lineStart, match.index)),
      };
      CALL.lastIndex = argumentEnd + 1;
    }
    match = CALL.exec(prose);
  }
  return found;
}

/** Index of the `)` that closes the `(` just before `start`, skipping quoted strings; -1 if none. */
function findClosingParenthesis(text: string, start: number): number {
  let depth = 1;
  let quote: string | undefined;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (quote !== undefined) {
      if (character === '\\') index++;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (character === '"' || character === "'" || character === '`') quote = character;
    else if (character === '(') depth++;
    else if (character === ')' && --depth === 0) return index;
  }
  return -1;
}

/** One string literal `"x"`, `'x'` or `` `x` `` → `x`; anything else (`"a" + "b"`) unchanged. */
export function unquote(text: string): string {
  const match = /^(["'`])((?:\\[\s\S]|(?!\1)[^\\])*)\1$/.exec(text);
  return match ? match[2]! : text;
}

/** A fenced code block found in a model's reply. */
export interface CodeBlock {
  /** The fence's language tag as written, lower-cased (`'javascript'`, `'repl'`, …). */
  readonly language: string;
  /** The code between the fences. */
  readonly code: string;
  /** Character offsets of the whole block (fences included) in the reply. */
  readonly start: number;
  readonly end: number;
}

/** Fence tags run as code, per REPL language. `repl` is the reference library's tag. */
export const RUNNABLE_FENCE_LANGUAGES = {
  javascript: ['repl', 'javascript', 'js', 'mjs', 'jsx'],
  python: ['repl', 'python', 'py', 'python3'],
} as const;

const BACKTICK = 0x60;
const SPACE = 0x20;
const TAB = 0x09;
const CARRIAGE_RETURN = 0x0d;
/** A fence's language tag: no whitespace (so never past the line's end) and no backtick. Sticky, no backtracking. */
const LANGUAGE_TAG = /[^\s`]*/y;

/**
 * Every fenced block in `text`, in order, whatever its language. An unclosed fence runs to the end.
 *
 * A fence is a line of up to three spaces, then three or more backticks; an opening fence may carry
 * an info string without backticks (its first word is the language); a closing fence has at least as
 * many backticks as its opening one and nothing after them but spaces and tabs. Lines end at `\n`
 * (a `\r` before it is ignored). One pass over the lines: each character is looked at a bounded
 * number of times, so the time is linear in the reply's length whatever the reply (a model's reply is
 * untrusted text).
 */
export function extractFencedBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const length = text.length;
  let open: { start: number; bodyStart: number; fence: number; language: string } | undefined;
  for (let lineStart = 0; lineStart <= length; ) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? length : newline;
    // Without the `\r` of a CRLF line ending.
    const contentEnd =
      lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === CARRIAGE_RETURN ? lineEnd - 1 : lineEnd;
    let position = lineStart;
    while (position < contentEnd && position - lineStart < 3 && text.charCodeAt(position) === SPACE)
      position++;
    const backticksStart = position;
    while (position < contentEnd && text.charCodeAt(position) === BACKTICK) position++;
    const fence = position - backticksStart;
    if (open === undefined) {
      // An opening fence: the rest of the line holds no backtick; its first word is the language.
      if (fence >= 3 && !includesBetween(text, BACKTICK, position, contentEnd)) {
        while (position < contentEnd && isSpaceOrTab(text.charCodeAt(position))) position++;
        LANGUAGE_TAG.lastIndex = position;
        const language = LANGUAGE_TAG.exec(text)?.[0] ?? '';
        open = {
          start: lineStart,
          bodyStart: Math.min(lineEnd + 1, length),
          fence,
          language: language.toLowerCase(),
        };
      }
    } else if (fence >= open.fence && onlySpacesAndTabs(text, position, contentEnd)) {
      blocks.push(block(text, open, lineStart, contentEnd));
      open = undefined;
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (open !== undefined) blocks.push(block(text, open, length, length));
  return blocks;
}

function block(
  text: string,
  open: { start: number; bodyStart: number; language: string },
  bodyEnd: number,
  end: number,
): CodeBlock {
  let code = text.slice(open.bodyStart, Math.max(open.bodyStart, bodyEnd));
  if (code.endsWith('\n')) code = code.slice(0, -1);
  return { language: open.language, code, start: open.start, end };
}

/** Whether the character `code` occurs in `text` between `from` and `to` (exclusive); never looks past `to`. */
function includesBetween(text: string, code: number, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (text.charCodeAt(index) === code) return true;
  return false;
}

function onlySpacesAndTabs(text: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (!isSpaceOrTab(text.charCodeAt(index))) return false;
  return true;
}

function isSpaceOrTab(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** The blocks of `text` that should run in a REPL of `language`. */
export function extractRunnableCodeBlocks(
  text: string,
  language: keyof typeof RUNNABLE_FENCE_LANGUAGES,
): CodeBlock[] {
  const accepted: readonly string[] = RUNNABLE_FENCE_LANGUAGES[language];
  return extractFencedBlocks(text).filter(
    (block) => accepted.includes(block.language) && block.code.trim() !== '',
  );
}

/** `text` with every fenced block removed: the prose the model wrote around its code. */
export function removeFencedBlocks(text: string): string {
  const pieces: string[] = [];
  let position = 0;
  for (const block of extractFencedBlocks(text)) {
    pieces.push(text.slice(position, block.start));
    position = block.end;
  }
  pieces.push(text.slice(position));
  return pieces.join('');
}

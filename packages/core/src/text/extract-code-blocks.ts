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

// A fence is three or more backticks at the start of a line; it closes with at least as many.
const OPENING_FENCE = /^( {0,3})(`{3,})[ \t]*([^\s`]*)[^\n`]*$/gm;

/** Every fenced block in `text`, in order, whatever its language. An unclosed fence runs to the end. */
export function extractFencedBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  OPENING_FENCE.lastIndex = 0;
  let match: RegExpExecArray | null = OPENING_FENCE.exec(text);
  while (match !== null) {
    const fence = match[2]!;
    const bodyStart = match.index + match[0].length + 1;
    const closing = new RegExp(`^ {0,3}\`{${fence.length},}[ \\t]*$`, 'gm');
    closing.lastIndex = Math.min(bodyStart, text.length);
    const close = closing.exec(text);
    const bodyEnd = close ? close.index : text.length;
    const end = close ? close.index + close[0].length : text.length;
    blocks.push({
      language: match[3]!.toLowerCase(),
      code: text.slice(Math.min(bodyStart, text.length), Math.max(bodyStart, bodyEnd)).replace(/\n$/, ''),
      start: match.index,
      end,
    });
    OPENING_FENCE.lastIndex = Math.max(end, OPENING_FENCE.lastIndex);
    match = OPENING_FENCE.exec(text);
  }
  return blocks;
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
  let prose = '';
  let position = 0;
  for (const block of extractFencedBlocks(text)) {
    prose += text.slice(position, block.start);
    position = block.end;
  }
  return prose + text.slice(position);
}

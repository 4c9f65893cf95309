/** One chunk: a range of one document's text that starts at a line start. */
export interface TextChunk {
  readonly start: number;
  readonly end: number;
  /** 1-based line number of `start`. */
  readonly lineNumber: number;
}

/**
 * Splits `text` into line-aligned chunks of about `chunkChars` characters, each starting up to
 * `overlapChars` before the previous one ended (at a line start) so that a passage cut by a chunk
 * boundary is whole in one of the two. A line longer than a chunk is cut inside. A generator, so that
 * the caller can yield to the event loop between chunks of a 40 MB text.
 */
export function* chunkText(text: string, chunkChars: number, overlapChars: number): Generator<TextChunk> {
  let start = 0;
  let lineNumber = 1;
  // Line number bookkeeping: newlines counted up to `counted`.
  let counted = 0;
  const lineAt = (position: number) => {
    if (position < counted) {
      // Overlap steps back: count backwards from `counted`.
      for (let i = text.lastIndexOf('\n', counted - 1); i >= position; i = text.lastIndexOf('\n', i - 1))
        lineNumber--;
    } else {
      for (let i = text.indexOf('\n', counted); i !== -1 && i < position; i = text.indexOf('\n', i + 1))
        lineNumber++;
    }
    counted = position;
    return lineNumber;
  };
  while (start < text.length || (start === 0 && text.length === 0)) {
    let end = Math.min(text.length, start + chunkChars);
    if (end < text.length) {
      const lineEnd = text.lastIndexOf('\n', end - 1);
      if (lineEnd >= start) end = lineEnd + 1;
    }
    yield { start, end, lineNumber: lineAt(start) };
    if (end >= text.length) return;
    let next = end;
    if (overlapChars > 0) {
      const back = text.indexOf('\n', Math.max(start, end - overlapChars));
      if (back !== -1 && back + 1 > start && back + 1 < end) next = back + 1;
    }
    start = next;
  }
}

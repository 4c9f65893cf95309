/** One chunk: `[start, end)` of document `document`'s text. */
export interface ChunkRange {
  readonly document: number;
  readonly start: number;
  readonly end: number;
}

/** How texts are cut into chunks. */
export interface ChunkingOptions {
  /** Characters per chunk at most; a chunk ends at the last line end inside that, when there is one. Default 1 500. */
  readonly chunkChars?: number;
  /** Characters a chunk repeats from the end of the previous one, from a line start. Default 150. */
  readonly overlapChars?: number;
}

/**
 * The ranges of `text` cut into line-aligned chunks: each at most `chunkChars` long, ending after a
 * newline when one falls inside (a longer line is cut inside), the next starting at the first line
 * start within `overlapChars` before the end. Chunks with nothing but white space are left out (an
 * embeddings API refuses empty input).
 */
export function* chunkLines(
  text: string,
  document: number,
  chunkChars: number,
  overlapChars: number,
): Generator<ChunkRange> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + chunkChars);
    if (end < text.length) {
      const newline = text.lastIndexOf('\n', end - 1);
      if (newline >= start) end = newline + 1;
    }
    if (/\S/.test(text.slice(start, end))) yield { document, start, end };
    if (end >= text.length) return;
    let next = end;
    if (overlapChars > 0) {
      const lineStart = text.indexOf('\n', Math.max(start, end - overlapChars)) + 1;
      if (lineStart > start && lineStart < end) next = lineStart;
    }
    start = next;
  }
}

/** One server-sent event: an optional `event:` line, one `data:` line, and the blank line that ends it. */
export function formatSseEvent(data: string, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`;
}

/** Most deltas a streamed text is cut into; long texts get longer deltas so a 1 MB reply stays fast. */
const maxDeltas = 200;

/**
 * Cuts `text` into word-sized deltas (each keeps its trailing whitespace), merged into at most
 * {@link maxDeltas} pieces. Cuts fall between code points, never inside a surrogate pair, and the
 * pieces joined give `text` back exactly. An empty text gives no pieces.
 */
export function splitIntoDeltas(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/gu) ?? [];
  if (words.length <= maxDeltas) return words;
  const wordsPerDelta = Math.ceil(words.length / maxDeltas);
  const deltas: string[] = [];
  for (let start = 0; start < words.length; start += wordsPerDelta) {
    deltas.push(words.slice(start, start + wordsPerDelta).join(''));
  }
  return deltas;
}

import { chunkText } from './chunk-text';
import { distinctTokens, forEachToken } from './tokenize';

/** BM25 parameters and chunking of {@link buildBm25Index}. */
export interface Bm25Options {
  readonly chunkChars: number;
  readonly overlapChars: number;
  /** Term-frequency saturation. */
  readonly k1: number;
  /** Length normalisation. */
  readonly b: number;
}

/** One ranked chunk. */
export interface Bm25Hit {
  readonly chunk: number;
  readonly score: number;
}

/** Where a chunk is. */
export interface Bm25Chunk {
  readonly document: number;
  readonly start: number;
  readonly end: number;
  /** 1-based line number of `start` in its document. */
  readonly lineNumber: number;
}

/**
 * A BM25 index over chunks of documents, in typed arrays: postings grouped by term (chunk ids and
 * term frequencies side by side), chunk ranges and lengths. At 40 MB of text it holds a few million
 * postings in tens of MB, where general-purpose search libraries keep objects per term and posting.
 */
export interface Bm25Index {
  readonly chunkCount: number;
  chunk(index: number): Bm25Chunk;
  /** The `k` best chunks for `query` (only those of `document` when given), best first. */
  search(query: string, k: number, document?: number): Bm25Hit[];
}

/** Growable Int32Array. */
class IntList {
  values = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  trimmed(): Int32Array {
    return this.values.slice(0, this.length);
  }
}

/** Milliseconds of building between two yields to the event loop. */
const BUILD_SLICE_MS = 15;

/**
 * Builds the index, yielding to the event loop every ~15 ms so that the host stays responsive while
 * 40 MB are tokenised. `signal` stops the build between two slices.
 */
export async function buildBm25Index(
  texts: readonly string[],
  options: Bm25Options,
  signal?: AbortSignal,
): Promise<Bm25Index> {
  const termIds = new Map<string, number>();
  const chunkDocument = new IntList();
  const chunkStart = new IntList();
  const chunkEnd = new IntList();
  const chunkLine = new IntList();
  const chunkLength = new IntList();
  // Postings in chunk order; grouped by term at the end.
  const postingTerm = new IntList();
  const postingChunk = new IntList();
  const postingFrequency = new IntList();
  let counts = new Int32Array(1024);
  const touched: number[] = [];
  let sliceStarted = performance.now();
  const pause = async () => {
    if (performance.now() - sliceStarted > BUILD_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      sliceStarted = performance.now();
    }
  };

  for (let document = 0; document < texts.length; document++) {
    const text = texts[document]!;
    for (const range of chunkText(text, options.chunkChars, options.overlapChars)) {
      const chunk = chunkDocument.length;
      let length = 0;
      forEachToken(text.slice(range.start, range.end), (token) => {
        let id = termIds.get(token);
        if (id === undefined) {
          id = termIds.size;
          termIds.set(token, id);
          if (id >= counts.length) {
            const grown = new Int32Array(counts.length * 2);
            grown.set(counts);
            counts = grown;
          }
        }
        if (counts[id] === 0) touched.push(id);
        counts[id]!++;
        length++;
      });
      for (const id of touched) {
        postingTerm.push(id);
        postingChunk.push(chunk);
        postingFrequency.push(counts[id]!);
        counts[id] = 0;
      }
      touched.length = 0;
      chunkDocument.push(document);
      chunkStart.push(range.start);
      chunkEnd.push(range.end);
      chunkLine.push(range.lineNumber);
      chunkLength.push(length);
      await pause();
    }
  }

  // Group postings by term (a counting sort: chunk order is kept within a term).
  const termCount = termIds.size;
  const termStart = new Int32Array(termCount + 1);
  for (let i = 0; i < postingTerm.length; i++) termStart[postingTerm.values[i]! + 1]!++;
  for (let term = 0; term < termCount; term++) termStart[term + 1]! += termStart[term]!;
  const next = termStart.slice(0, termCount);
  const chunks = new Int32Array(postingTerm.length);
  const frequencies = new Int32Array(postingTerm.length);
  for (let i = 0; i < postingTerm.length; i++) {
    const at = next[postingTerm.values[i]!]!++;
    chunks[at] = postingChunk.values[i]!;
    frequencies[at] = postingFrequency.values[i]!;
    if ((i & 0xffff) === 0) await pause();
  }

  const chunkCount = chunkDocument.length;
  const documents = chunkDocument.trimmed();
  const starts = chunkStart.trimmed();
  const ends = chunkEnd.trimmed();
  const lines = chunkLine.trimmed();
  const lengths = chunkLength.trimmed();
  let totalLength = 0;
  for (let i = 0; i < chunkCount; i++) totalLength += lengths[i]!;
  const averageLength = Math.max(1, totalLength / Math.max(1, chunkCount));
  // BM25's length factor per chunk, computed once: k1 * (1 - b + b * length / average).
  const lengthFactor = new Float32Array(chunkCount);
  for (let i = 0; i < chunkCount; i++) {
    lengthFactor[i] = options.k1 * (1 - options.b + (options.b * lengths[i]!) / averageLength);
  }
  const scores = new Float64Array(chunkCount);

  return {
    chunkCount,
    chunk: (index) => ({
      document: documents[index]!,
      start: starts[index]!,
      end: ends[index]!,
      lineNumber: lines[index]!,
    }),
    search(query, k, document) {
      const hitChunks: number[] = [];
      for (const token of distinctTokens(query)) {
        const term = termIds.get(token);
        if (term === undefined) continue;
        const from = termStart[term]!;
        const to = termStart[term + 1]!;
        const frequency = to - from;
        const idf = Math.log(1 + (chunkCount - frequency + 0.5) / (frequency + 0.5));
        for (let i = from; i < to; i++) {
          const chunk = chunks[i]!;
          if (document !== undefined && documents[chunk] !== document) continue;
          const tf = frequencies[i]!;
          if (scores[chunk] === 0) hitChunks.push(chunk);
          scores[chunk]! += (idf * tf * (options.k1 + 1)) / (tf + lengthFactor[chunk]!);
        }
      }
      const hits = hitChunks.map((chunk) => ({ chunk, score: scores[chunk]! }));
      for (const chunk of hitChunks) scores[chunk] = 0;
      return topK(hits, k);
    },
  };
}

/** The `k` best hits, best first; ties by chunk order. */
function topK(hits: Bm25Hit[], k: number): Bm25Hit[] {
  const byRank = (a: Bm25Hit, b: Bm25Hit) => b.score - a.score || a.chunk - b.chunk;
  if (hits.length <= k * 4) return hits.sort(byRank).slice(0, k);
  // Keep a small sorted list rather than sorting tens of thousands of hits for a common word.
  const best: Bm25Hit[] = [];
  for (const hit of hits) {
    if (best.length === k && byRank(hit, best[k - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && byRank(hit, best[at - 1]!) < 0) at--;
    best.splice(at, 0, hit);
    if (best.length > k) best.pop();
  }
  return best;
}

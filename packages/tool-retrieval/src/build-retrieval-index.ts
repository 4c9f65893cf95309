import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '@rlm/core';
import { chunkLines } from './chunk-lines';
import { type EmbedBatchOptions, type EmbedFunction, embedChunks } from './embed-chunks';
import type { RetrievalDocument } from './read-documents';
import type { VectorCache } from './vector-cache';
import { VectorIndex } from './vector-index';

/** The chunks of a context and their vectors. */
export interface RetrievalIndex {
  readonly documents: readonly RetrievalDocument[];
  /** Per chunk (row of `vectors`): its document, start and end. */
  readonly chunkDocument: Int32Array;
  readonly chunkStart: Float64Array;
  readonly chunkEnd: Float64Array;
  /** Row range of each document's chunks: `[documentRows[d], documentRows[d + 1])`. */
  readonly documentRows: Int32Array;
  readonly vectors: VectorIndex;
  /** How the vectors were got: embedded now (with how many calls and tokens), or read from the cache. */
  readonly source:
    | { readonly cached: true }
    | { readonly cached: false; readonly calls: number; readonly inputTokens: number };
}

/** What building an index needs besides the documents. */
export interface BuildIndexSettings {
  readonly model: EmbeddingModel;
  readonly chunkChars: number;
  readonly overlapChars: number;
  readonly batch: EmbedBatchOptions;
  readonly cache: VectorCache | undefined;
}

/** Characters chunked and hashed between two yields to the event loop. */
const YIELD_EVERY_CHARS = 4_000_000;

/**
 * Chunks the documents, hashes the chunk texts with the model's identity into the cache key, and
 * reads the vectors from the cache, or embeds every chunk and writes them there. Yields to the event
 * loop while chunking a big corpus, and stops at the signal's abort.
 */
export async function buildRetrievalIndex(
  documents: readonly RetrievalDocument[],
  embed: EmbedFunction,
  settings: BuildIndexSettings,
  signal: AbortSignal,
): Promise<RetrievalIndex> {
  const { model } = settings;
  const hash = createHash('sha256');
  hash.update(
    `rlm-retrieval-v1\0${model.provider}\0${model.modelId}\0${model.dimensions ?? ''}\0${documents.length}\0`,
  );
  const chunkDocument: number[] = [];
  const chunkStart: number[] = [];
  const chunkEnd: number[] = [];
  const documentRows = new Int32Array(documents.length + 1);
  let sinceYield = 0;
  for (const [index, document] of documents.entries()) {
    documentRows[index] = chunkDocument.length;
    for (const chunk of chunkLines(document.text, index, settings.chunkChars, settings.overlapChars)) {
      chunkDocument.push(index);
      chunkStart.push(chunk.start);
      chunkEnd.push(chunk.end);
      hash.update(document.text.slice(chunk.start, chunk.end));
      hash.update(`\0${index}\0`);
      sinceYield += chunk.end - chunk.start;
      if (sinceYield >= YIELD_EVERY_CHARS) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
      }
    }
  }
  documentRows[documents.length] = chunkDocument.length;
  const key = hash.digest('hex');
  const count = chunkDocument.length;
  const textOf = (row: number) =>
    documents[chunkDocument[row]!]!.text.slice(chunkStart[row]!, chunkEnd[row]!);
  const base = {
    documents,
    chunkDocument: Int32Array.from(chunkDocument),
    chunkStart: Float64Array.from(chunkStart),
    chunkEnd: Float64Array.from(chunkEnd),
    documentRows,
  };
  const identity = { provider: model.provider, modelId: model.modelId, count };
  const cached = count > 0 ? await settings.cache?.read(key, identity) : undefined;
  signal.throwIfAborted();
  if (cached && (model.dimensions === undefined || cached.header.dimensions === model.dimensions)) {
    return {
      ...base,
      vectors: new VectorIndex(cached.vectors, cached.header.dimensions),
      source: { cached: true },
    };
  }
  const embedded = await embedChunks(count, textOf, embed, settings.batch, signal);
  if (settings.cache && count > 0) {
    // A cache that cannot be written (read-only disk, full) costs the next run a rebuild, not this one its answer.
    await settings.cache
      .write(key, { ...identity, dimensions: embedded.dimensions }, embedded.vectors)
      .catch(() => undefined);
  }
  return {
    ...base,
    vectors: new VectorIndex(embedded.vectors, Math.max(1, embedded.dimensions)),
    source: { cached: false, calls: embedded.calls, inputTokens: embedded.inputTokens },
  };
}

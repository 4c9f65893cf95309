import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContextValue,
  checkEmbeddingModel,
  type EmbeddingModel,
  groupDigits,
  InvalidArgumentError,
  type JsonValue,
  readToolInteger,
  readToolParameters,
  readToolText,
  type Tool,
} from '@rlm/core';
import { type BuildIndexSettings, buildRetrievalIndex, type RetrievalIndex } from './build-retrieval-index';
import { checkOption } from './check-option';
import type { ChunkingOptions } from './chunk-lines';
import { embedFunction } from './embed-chunks';
import { readDocuments } from './read-documents';
import { VectorCache } from './vector-cache';

/** Options of {@link createRetrievalTool}. */
export interface RetrievalToolOptions {
  /** The model that embeds the chunks and the queries, e.g. `openai.embedding('text-embedding-3-small')`. */
  readonly embeddingModel: EmbeddingModel;
  /** How the context is cut into chunks. Default: 1 500 characters, 150 of overlap, line-aligned. */
  readonly chunking?: ChunkingOptions;
  /** The function's name in the REPL. Default `'retrieve'`. */
  readonly name?: string;
  /** The most results one call may ask for (`k`). Default 50. */
  readonly maxK?: number;
  /** Embedding calls in flight at once while indexing (inside a run, the run's `maxConcurrency` caps them too). Default 4. */
  readonly concurrency?: number;
  /** Chunks per embedding call, at most the model's `maxValuesPerCall`. Default 512. */
  readonly batchSize?: number;
  /** Estimated tokens per embedding call at most (OpenAI refuses requests over 300 000). Default 100 000. */
  readonly batchTokens?: number;
  /**
   * Where the vectors of an indexed corpus are kept, keyed by a sha256 of its chunk texts and the
   * model (provider, id, dimensions), so the same corpus is embedded once across runs and processes.
   * `false` keeps nothing on disk. Default: `rlm-retrieval-cache` under `os.tmpdir()`.
   */
  readonly cacheDirectory?: string | false;
}

/** What `retrieve` takes in the REPL. */
export interface RetrievalParameters {
  readonly query: string;
  readonly k?: number;
  readonly document?: number;
}

/** One passage, as `retrieve` returns it. */
export interface RetrievalHit {
  /** The chunk's text. */
  readonly text: string;
  /** Cosine similarity of the chunk and the query, from -1 to 1 (higher is closer). */
  readonly score: number;
  /** Character offset of the chunk in its document's text (`context` itself for a string). */
  readonly offset: number;
  /** For a list of documents: the index of the chunk's document in `context`. */
  readonly document?: number;
  /** For a list of documents: the document's path (or name, title, id), when it has one. */
  readonly path?: string;
}

const PARAMETER_NAMES = ['query', 'k', 'document'] as const;
/** String contexts whose index is kept in memory (least recently used goes first). */
const STRING_INDEXES_KEPT = 4;

/**
 * A `retrieve` tool: semantic search over the context with an embedding model. The first call
 * chunks the context (line-aligned), embeds the chunks in batches (or reads their vectors from the
 * disk cache) and keeps the index in memory for later calls, child runs over the same context
 * included; each call embeds its query and ranks all chunks by cosine similarity.
 *
 * Inside a run, every embedding call takes a slot of the run's concurrency cap and counts in its
 * usage, cost and budget (`ToolExecuteOptions.embed`).
 */
export function createRetrievalTool(options: RetrievalToolOptions): Tool<JsonValue, JsonValue> {
  const model = checkEmbeddingModel(options?.embeddingModel, 'embeddingModel');
  const name = options.name ?? 'retrieve';
  const chunkChars = options.chunking?.chunkChars ?? 1_500;
  const overlapChars = options.chunking?.overlapChars ?? 150;
  const maxK = options.maxK ?? 50;
  checkOption('chunking.chunkChars', chunkChars, 100);
  checkOption('chunking.overlapChars', overlapChars, 0);
  if (overlapChars >= chunkChars) {
    throw new InvalidArgumentError({
      argument: 'chunking.overlapChars',
      message: `createRetrievalTool: chunking.overlapChars (${overlapChars}) must be less than chunking.chunkChars (${chunkChars}).`,
    });
  }
  checkOption('maxK', maxK, 1);
  checkOption('concurrency', options.concurrency, 1);
  checkOption('batchSize', options.batchSize, 1);
  checkOption('batchTokens', options.batchTokens, 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new InvalidArgumentError({
      argument: 'name',
      message: `createRetrievalTool: name must be a JavaScript identifier, got ${JSON.stringify(name)}.`,
    });
  }
  const cacheDirectory =
    options.cacheDirectory === undefined ? join(tmpdir(), 'rlm-retrieval-cache') : options.cacheDirectory;
  const settings: BuildIndexSettings = {
    model,
    chunkChars,
    overlapChars,
    batch: {
      batchSize: Math.min(options.batchSize ?? 512, model.maxValuesPerCall),
      batchTokens: options.batchTokens ?? 100_000,
      concurrency: options.concurrency ?? 4,
    },
    cache: cacheDirectory === false ? undefined : new VectorCache(cacheDirectory),
  };
  const example = `await ${name}({ query: 'how are refunds for damaged items handled?', k: 5 })`;

  const objectIndexes = new WeakMap<object, SharedBuild>();
  // Strings cannot key a WeakMap: keep the indexes of the last few string contexts.
  const stringIndexes = new Map<string, SharedBuild>();
  const forget = (context: ContextValue, build: SharedBuild) => {
    if (typeof context === 'string') {
      if (stringIndexes.get(context) === build) stringIndexes.delete(context);
    } else if (objectIndexes.get(context as object) === build) objectIndexes.delete(context as object);
  };
  /** The index of `context`: built once and shared by the calls that wait for it (see SharedBuild). */
  const indexFor = (
    context: ContextValue,
    start: (signal: AbortSignal) => Promise<RetrievalIndex>,
    signal: AbortSignal,
  ): Promise<RetrievalIndex> => {
    let build =
      typeof context === 'string' ? stringIndexes.get(context) : objectIndexes.get(context as object);
    if (build === undefined) {
      const controller = new AbortController();
      const created: SharedBuild = { promise: start(controller.signal), controller, waiting: 0 };
      created.promise.catch(() => forget(context, created));
      build = created;
      if (typeof context !== 'string') objectIndexes.set(context as object, build);
    }
    if (typeof context === 'string') {
      stringIndexes.delete(context);
      stringIndexes.set(context, build);
      if (stringIndexes.size > STRING_INDEXES_KEPT) stringIndexes.delete(stringIndexes.keys().next().value!);
    }
    const shared = build;
    shared.waiting++;
    return untilAborted(shared.promise, signal).finally(() => {
      shared.waiting--;
      // The last call waiting for an unfinished build was stopped: stop the build, and forget it so the
      // next call starts afresh instead of waiting for a build that is being cancelled.
      if (signal.aborted && shared.waiting === 0) {
        shared.controller.abort(signal.reason);
        forget(context, shared);
      }
    });
  };

  return {
    name,
    description:
      `Finds the passages of the context closest in meaning to a question: semantic search with the embedding model ${model.provider}:${model.modelId} over chunks of the context (about ${groupDigits(chunkChars)} characters each, cut at line ends; each document of a list on its own), run on the host. ` +
      `Use it when the wording of what you look for is unknown (synonyms, paraphrases); for exact strings use code or grep. ` +
      `Example: \`const hits = ${example}\` → [{ text, score, offset, document?, path? }], best first (score is the cosine similarity). ` +
      `\`k\` is 1–${maxK} (default 5); \`document\` (an index into a list context) searches one document only. The first call embeds the whole context (cached on disk for later runs); later calls embed only the query.`,
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for, as a question or a description.' },
        k: {
          type: 'integer',
          minimum: 1,
          maximum: maxK,
          description: 'How many passages to return (default 5).',
        },
        document: {
          type: 'integer',
          minimum: 0,
          description: 'For a list of documents: search only the document with this index.',
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
    async execute(parameters, { abortSignal, context, embed }) {
      abortSignal.throwIfAborted();
      const given = readToolParameters(name, parameters, PARAMETER_NAMES, example);
      const query = readToolText(name, 'query', given.query, example);
      const k = readToolInteger(name, 'k', given.k, { min: 1, max: maxK, fallback: 5 });
      const { isList, documents } = readDocuments(context, name);
      let document: number | undefined;
      if (given.document !== undefined && given.document !== null) {
        if (!isList) {
          throw new InvalidArgumentError({
            argument: 'document',
            message: `${name}: 'document' picks one document of a list, but the context is one string. Leave 'document' out.`,
          });
        }
        document = readToolInteger(name, 'document', given.document, {
          min: 0,
          max: documents.length - 1,
          fallback: 0,
        });
      }
      const embedWith = embedFunction(model, embed);
      const index = await indexFor(
        context,
        (signal) => buildRetrievalIndex(documents, embedWith, settings, signal),
        abortSignal,
      );
      if (index.vectors.count === 0) return [];
      const [queryVector] = (await embedWith([query], abortSignal)).embeddings;
      abortSignal.throwIfAborted();
      const rows =
        document === undefined
          ? undefined
          : { from: index.documentRows[document]!, to: index.documentRows[document + 1]! };
      return index.vectors
        .search(Float32Array.from(queryVector!), k, rows)
        .map(({ row, score }): RetrievalHit & JsonValue => {
          const documentIndex = index.chunkDocument[row]!;
          const source = index.documents[documentIndex]!;
          const start = index.chunkStart[row]!;
          return {
            text: source.text.slice(start, index.chunkEnd[row]!),
            score: Math.round(score * 1e4) / 1e4,
            offset: start,
            ...(isList
              ? { document: documentIndex, ...(source.path === undefined ? {} : { path: source.path }) }
              : {}),
          };
        });
    },
  };
}

/**
 * An index build that several calls may wait for (a run and its children over one context). It
 * runs until it ends or until every call waiting for it has been stopped.
 */
interface SharedBuild {
  readonly promise: Promise<RetrievalIndex>;
  readonly controller: AbortController;
  waiting: number;
}

/** `work`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

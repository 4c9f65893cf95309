import {
  type ContextValue,
  groupDigits,
  InvalidArgumentError,
  type JsonValue,
  readToolInteger,
  readToolParameters,
  readToolText,
  type Tool,
} from '@rlm/core';
import { type Bm25Index, buildBm25Index } from './bm25-index';
import { type ContextDocuments, contextDocuments } from './context-documents';
import { distinctTokens } from './tokenize';

/** Options of {@link createSearchTool}. */
export interface SearchToolOptions {
  /** The function's name in the REPL. Default `'search'`. */
  readonly name?: string;
  /** Characters per chunk (chunks end at a line end when one is near). Default 2 000. */
  readonly chunkChars?: number;
  /** Characters a chunk repeats from the end of the previous one (line-aligned). Default 200. */
  readonly overlapChars?: number;
  /** The most results one call may ask for (`k`). Default 50. */
  readonly maxK?: number;
  /** BM25's term-frequency saturation. Default 1.2. */
  readonly k1?: number;
  /** BM25's length normalisation. Default 0.75. */
  readonly b?: number;
}

/** What `search` takes in the REPL. */
export interface SearchParameters {
  readonly query: string;
  readonly k?: number;
  readonly document?: number;
}

/** One ranked chunk, as `search` returns it. */
export interface SearchHit {
  /** The chunk's text. */
  readonly text: string;
  /** Its BM25 score (higher is better; comparable within one query only). */
  readonly score: number;
  /** Character offset of the chunk in its document's text (`context` itself for a string). */
  readonly offset: number;
  /** 1-based line number of the chunk's first line in its document. */
  readonly lineNumber: number;
  /** For a list of documents: the index of the chunk's document in `context`. */
  readonly document?: number;
  /** For a list of documents: the document's path (or name, title, id), when it has one. */
  readonly path?: string;
}

const PARAMETER_NAMES = ['query', 'k', 'document'] as const;
/** String contexts whose index is kept (least recently used goes first). */
const STRING_INDEXES_KEPT = 4;
const EXAMPLE = "await search({ query: 'refund policy for damaged items', k: 5 })";

/**
 * A `search` tool: BM25 ranking of the context's chunks (each document, cut into line-aligned chunks
 * with overlap when long). The index is built on the first call and kept for the run and for child
 * runs over the same context object.
 */
export function createSearchTool(options: SearchToolOptions = {}): Tool<JsonValue, JsonValue> {
  const name = options.name ?? 'search';
  const chunkChars = options.chunkChars ?? 2_000;
  const overlapChars = options.overlapChars ?? 200;
  const maxK = options.maxK ?? 50;
  const bm25 = { chunkChars, overlapChars, k1: options.k1 ?? 1.2, b: options.b ?? 0.75 };
  if (!Number.isInteger(chunkChars) || chunkChars < 100) {
    throw new InvalidArgumentError({
      argument: 'chunkChars',
      message: 'chunkChars must be a whole number ≥ 100.',
    });
  }
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars >= chunkChars) {
    throw new InvalidArgumentError({
      argument: 'overlapChars',
      message: 'overlapChars must be a whole number ≥ 0 and less than chunkChars.',
    });
  }
  const indexes = new WeakMap<object, Promise<Bm25Index>>();
  // Strings cannot key a WeakMap: keep the indexes of the last few string contexts, so that a root
  // run and its children (each with a sub-context) do not rebuild each other's index in turn.
  const textIndexes = new Map<string, Promise<Bm25Index>>();

  const indexFor = (context: ContextValue, documents: ContextDocuments): Promise<Bm25Index> => {
    if (typeof context === 'string') {
      let index = textIndexes.get(context);
      if (index) textIndexes.delete(context);
      else {
        index = build(documents);
        index.catch(() => textIndexes.delete(context));
      }
      textIndexes.set(context, index);
      if (textIndexes.size > STRING_INDEXES_KEPT) textIndexes.delete(textIndexes.keys().next().value!);
      return index;
    }
    const key = context as object;
    let index = indexes.get(key);
    if (!index) {
      index = build(documents);
      indexes.set(key, index);
      index.catch(() => indexes.delete(key));
    }
    return index;
  };
  const build = (documents: ContextDocuments) =>
    buildBm25Index(
      documents.documents.map((document) => document.text),
      bm25,
    );

  return {
    name,
    description:
      `Ranks passages by relevance to a question: BM25 keyword ranking over chunks of the context (about ${groupDigits(chunkChars)} characters each, cut at line ends; each document of a list is chunked on its own), run on the host. ` +
      `Use it to find which parts of a large context are about something when you do not know the exact wording; then read the best chunks (print them or pass them to llm_query). For exact strings or patterns use grep. ` +
      `Example: \`const hits = await ${name}({ query: 'refund policy damaged items', k: 5 })\` → [{ text, score, offset, lineNumber, document?, path? }], best first. ` +
      `\`k\` is 1–${maxK} (default 5); \`document\` (an index into a list context) searches one document only. The first call builds the index (seconds for tens of MB); later calls take milliseconds.`,
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Words to rank chunks by (a question or keywords).' },
        k: {
          type: 'integer',
          minimum: 1,
          maximum: maxK,
          description: 'How many chunks to return (default 5).',
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
    async execute(parameters, { abortSignal, context }) {
      abortSignal.throwIfAborted();
      const given = readToolParameters(name, parameters, PARAMETER_NAMES, EXAMPLE);
      const query = readToolText(name, 'query', given.query, EXAMPLE);
      if (distinctTokens(query).length === 0) {
        throw new InvalidArgumentError({
          argument: 'query',
          message: `${name}: the query ${JSON.stringify(query.slice(0, 80))} has no words to rank by (only punctuation or spaces). Use words, e.g. ${EXAMPLE}.`,
        });
      }
      const k = readToolInteger(name, 'k', given.k, { min: 1, max: maxK, fallback: 5 });
      const documents = contextDocuments(context, name);
      let document: number | undefined;
      if (given.document !== undefined && given.document !== null) {
        if (!documents.isList) {
          throw new InvalidArgumentError({
            argument: 'document',
            message: `${name}: 'document' picks one document of a list, but the context is one string. Leave 'document' out.`,
          });
        }
        if (documents.documents.length === 0) {
          throw new InvalidArgumentError({
            argument: 'document',
            message: `${name}: 'document' picks one document of the list, but the list is empty.`,
          });
        }
        document = readToolInteger(name, 'document', given.document, {
          min: 0,
          max: documents.documents.length - 1,
          fallback: 0,
        });
      }
      const index = await untilAborted(indexFor(context, documents), abortSignal);
      return index.search(query, k, document).map(({ chunk, score }): SearchHit & JsonValue => {
        const range = index.chunk(chunk);
        const path = documents.documents[range.document]?.path;
        return {
          text: documents.documents[range.document]!.text.slice(range.start, range.end),
          score: Math.round(score * 1e4) / 1e4,
          offset: range.start,
          lineNumber: range.lineNumber,
          ...(documents.isList ? { document: range.document, ...(path !== undefined ? { path } : {}) } : {}),
        };
      });
    },
  };
}

/** `work`, or a rejection with the signal's reason as soon as it aborts (the build itself goes on, shared). */
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
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

import {
  type ContextValue,
  InvalidArgumentError,
  type JsonValue,
  readToolInteger,
  readToolParameters,
  readToolText,
  type Tool,
} from '@rlm/core';
import { contextDocuments } from './context-documents';
import { WarmGrepWorker } from './warm-grep-worker';

/** Options of {@link createGrepTool}. */
export interface GrepToolOptions {
  /** The function's name in the REPL. Default `'grep'`. */
  readonly name?: string;
  /** Time budget of one call, in ms; a pattern still running then is stopped. Default 10 000. */
  readonly timeoutMs?: number;
  /** Lines longer than this are cut around the match in results. Default 300. */
  readonly maxLineChars?: number;
  /** The most matches one call may ask for (`maxMatches`). Default 10 000. */
  readonly maxMatchesLimit?: number;
}

/** What `grep` takes in the REPL. */
export interface GrepParameters {
  readonly pattern: string;
  readonly flags?: string;
  readonly maxMatches?: number;
  readonly contextLines?: number;
}

/** One matching line. */
export interface GrepMatch {
  /** 1-based line number within its document. */
  readonly lineNumber: number;
  /** The line (cut around the match when long). */
  readonly line: string;
  /** Character offset of the match in its document's text (`context` itself for a string). */
  readonly offset: number;
  /** For a list of documents: the index of the document in `context`. */
  readonly document?: number;
  /** For a list of documents: the document's path (or name, title, id), when it has one. */
  readonly path?: string;
  /** The `contextLines` lines before and after, when asked for. */
  readonly before?: string[];
  readonly after?: string[];
}

/** What `grep` returns in the REPL. */
export interface GrepResult {
  readonly matches: GrepMatch[];
  /** Matching lines in the whole context (all of them are counted, not only those returned). */
  readonly totalMatches: number;
  /** True when `totalMatches` is more than the matches returned. */
  readonly truncated: boolean;
}

const PARAMETER_NAMES = ['pattern', 'flags', 'maxMatches', 'contextLines'] as const;
const EXAMPLE = "await grep({ pattern: 'refund|chargeback', flags: 'i' })";
const ALLOWED_FLAGS = /^[imsuv]*$/;
/** Contexts whose worker stays warm (least recently used goes first). */
const WARM_WORKERS = 2;

/**
 * A `grep` tool: a JavaScript regular expression over the context's lines, run on the host in a
 * worker thread that keeps the context between calls, with a time budget per call.
 */
export function createGrepTool(options: GrepToolOptions = {}): Tool<JsonValue, JsonValue> & {
  /** Ends the tool's worker threads (they are unref'd, so this is only needed to free their memory early). */
  dispose(): Promise<void>;
} {
  const name = options.name ?? 'grep';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxLineChars = options.maxLineChars ?? 300;
  const maxMatchesLimit = options.maxMatchesLimit ?? 10_000;
  // One warm worker per context, for the last two contexts: a root run and a child over its
  // sub-context can take turns without sending 50 MB again each time.
  const workers = new Map<ContextValue, WarmGrepWorker>();
  const workerFor = (context: ContextValue): WarmGrepWorker => {
    let worker = workers.get(context);
    if (worker) workers.delete(context);
    else worker = new WarmGrepWorker();
    workers.set(context, worker);
    if (workers.size > WARM_WORKERS) {
      const [oldest, retired] = workers.entries().next().value!;
      workers.delete(oldest);
      // A grep still running in it finishes first: the worker's queue ends it after.
      void retired.disposeWhenIdle();
    }
    return worker;
  };
  return {
    name,
    description:
      `Finds exact strings and patterns, fast: runs a JavaScript regular expression over every line of the context on the host (natively, much faster than a regex loop in this REPL) and returns the matching lines with their line numbers and offsets, plus the count of all matching lines. ` +
      `Use it to locate or count exact words, ids, names, dates or patterns; to find passages about a topic without knowing their exact words, use search. ` +
      `Example: \`const { matches, totalMatches } = await ${name}({ pattern: 'User: 4\\\\d{4}', flags: 'i', maxMatches: 20, contextLines: 1 })\` → { matches: [{ lineNumber, line, offset, document?, path?, before?, after? }], totalMatches, truncated }. ` +
      `For a list of documents, \`document\` is the index in \`context\` and \`path\` its path when known. Lines are cut to ${maxLineChars} characters; a call stops after ${timeoutMs / 1000} s.`,
    parameters: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'A JavaScript regular expression source, without slashes.' },
        flags: { type: 'string', description: "Regular expression flags among 'imsuv' (default none)." },
        maxMatches: {
          type: 'integer',
          minimum: 1,
          maximum: maxMatchesLimit,
          description: 'The most matching lines returned (default 100); all are counted.',
        },
        contextLines: {
          type: 'integer',
          minimum: 0,
          maximum: 20,
          description: 'Lines shown before and after each match (default 0).',
        },
      },
      required: ['pattern'],
      additionalProperties: false,
    },
    async execute(parameters, { abortSignal, context }) {
      abortSignal.throwIfAborted();
      const given = readToolParameters(name, parameters, PARAMETER_NAMES, EXAMPLE);
      const pattern = readToolText(name, 'pattern', given.pattern, EXAMPLE);
      const flags = given.flags ?? '';
      if (typeof flags !== 'string' || !ALLOWED_FLAGS.test(flags)) {
        throw new InvalidArgumentError({
          argument: 'flags',
          message: `${name}: 'flags' must be a string of the flags i, m, s, u, v (got ${JSON.stringify(flags)}); every line is searched, so 'g' and 'y' are not needed.`,
        });
      }
      try {
        new RegExp(pattern, flags);
      } catch (error) {
        throw new InvalidArgumentError({
          argument: 'pattern',
          message: `${name}: ${(error as Error).message}. Escape special characters (\\. \\( \\[ \\?) to match them literally.`,
        });
      }
      const maxMatches = readToolInteger(name, 'maxMatches', given.maxMatches, {
        min: 1,
        max: maxMatchesLimit,
        fallback: 100,
      });
      const contextLines = readToolInteger(name, 'contextLines', given.contextLines, {
        min: 0,
        max: 20,
        fallback: 0,
      });
      const { isList, documents } = contextDocuments(context, name);
      const found = await workerFor(context).run(
        context,
        () => documents.map((document) => document.text),
        { source: pattern, flags, maxMatches, contextLines, maxLineChars },
        {
          timeoutMs,
          signal: abortSignal,
          describeTimeout: () =>
            `${name}: the pattern /${pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern}/${flags} ran for more than ${timeoutMs / 1000} s and was stopped. Nested quantifiers such as (a+)+ or (.*)* can take exponential time on long lines: simplify the pattern (or match a simpler one first and filter the lines in code).`,
        },
      );
      const matches = found.matches.map(({ document, ...match }): GrepMatch => {
        const path = documents[document]?.path;
        return isList ? { ...match, document, ...(path !== undefined ? { path } : {}) } : match;
      });
      return {
        matches,
        totalMatches: found.totalMatches,
        truncated: found.totalMatches > matches.length,
      } satisfies GrepResult as unknown as JsonValue;
    },
    dispose: async () => {
      const all = [...workers.values()];
      workers.clear();
      await Promise.all(all.map((worker) => worker.dispose()));
    },
  };
}

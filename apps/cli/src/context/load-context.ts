import { readFile } from 'node:fs/promises';
import { CHARACTERS_PER_TOKEN, InvalidArgumentError } from '@rlm/core';
import { type ContextSource, collectContextFiles } from './collect-context-files';
import { decodeUtf8 } from './decode-utf8';
import { looksBinary } from './looks-binary';

/** The header that starts each document of a multi-file context; the model reads paths from it. */
export function documentHeader(displayPath: string): string {
  return `=== ${displayPath} ===\n`;
}

/** The context as the RLM receives it, and what the user is told about it. */
export interface LoadedContext {
  /** One string (one file or stdin), or one string per document, each starting with {@link documentHeader}. */
  readonly value: string | string[];
  /** The documents read, in order. */
  readonly documents: readonly { readonly path: string; readonly characters: number }[];
  /** Characters in total, headers included. */
  readonly characters: number;
  /** Approximate tokens in total (core's estimate). */
  readonly approximateTokens: number;
  /** Files left out because they look binary (a NUL byte in their first 8 KB). */
  readonly binarySkipped: readonly string[];
  /** Paths left out because a `.gitignore` excludes them. */
  readonly gitignored: number;
  /** `.git` and `node_modules` folders left out. */
  readonly skippedFolders: number;
  /** Files found in a folder or by a glob that are not UTF-8 text, left out (a file named directly is an error instead). */
  readonly notUtf8Skipped: readonly string[];
  /** Paths left out by `--exclude`. */
  readonly excluded: number;
}

/** Where stdin comes from: a terminal (someone would have to type), a pipe or file, or nothing. */
export type StdinKind = 'terminal' | 'piped' | 'none';

/** Where the bytes of stdin come from (a parameter, so that tests and the bench can pass their own). */
export type ByteSource = AsyncIterable<Uint8Array | string>;

/** Files read at once: enough to hide disk latency on many small files, few enough to bound memory. */
const READ_CONCURRENCY = 8;

/**
 * Loads `--context` arguments (files, folders, globs, `-`) into an RLM context.
 *
 * One file or stdin named directly becomes one string. Anything else becomes a list of strings, one
 * per document, each starting with a `=== path ===` line: a list of strings is what the root model's
 * context description reports document by document (count, sizes, previews that show the headers,
 * so the model learns the layout without being told), what the sandboxes load fastest (QuickJS takes
 * a list of strings as one joined string split inside, several times faster than JSON), and what the
 * model's code can slice with plain string methods. Each file is read, checked and decoded on its
 * own, and its bytes dropped before the next batch, so memory holds the text once plus a few files'
 * bytes. An empty context is a usage error naming what was read.
 */
export async function loadContext(
  givenInputs: readonly string[],
  options: {
    readonly cwd: string;
    readonly stdin: ByteSource;
    /** Without `--context`, piped stdin is the context. Default `'none'`. */
    readonly stdinKind?: StdinKind;
    /** `--exclude` globs. */
    readonly exclude?: readonly string[];
    /** Called before stdin is read from a terminal, to tell the user that rlm waits for them. */
    readonly onWaitForTerminal?: () => void;
    /**
     * Called with each file's absolute path before any is read; throwing refuses the whole context.
     * `rlm mcp` passes its roots' check, which catches symbolic links out of them met in a folder or a glob.
     */
    readonly checkFile?: (path: string) => Promise<void>;
  },
): Promise<LoadedContext> {
  const stdinPiped = options.stdinKind === 'piped';
  if (givenInputs.length === 0 && !stdinPiped) {
    throw new InvalidArgumentError({
      argument: 'context',
      message:
        'No context given. Pass --context with a file, a folder, a glob or - for stdin, e.g. `rlm "What does this do?" --context ./src`, or pipe text in: `cat app.log | rlm "What failed?"`.',
    });
  }
  const inputs = givenInputs.length === 0 ? ['-'] : givenInputs;
  if (inputs.includes('-') && options.stdinKind === 'terminal') options.onWaitForTerminal?.();
  const collected = await collectContextFiles(inputs, options.cwd, options.exclude);
  if (options.checkFile) {
    for (const source of collected.sources) if (source.kind === 'file') await options.checkFile(source.path);
  }
  const texts: (string | undefined)[] = new Array(collected.sources.length);
  const binarySkipped: string[] = [];
  const notUtf8Skipped: string[] = [];
  for (let start = 0; start < collected.sources.length; start += READ_CONCURRENCY) {
    const batch = collected.sources.slice(start, start + READ_CONCURRENCY);
    await Promise.all(
      batch.map(async (source, offset) => {
        const bytes = await readSource(source, options.stdin);
        if (source.kind === 'file' && looksBinary(bytes)) {
          binarySkipped.push(source.displayPath);
          return;
        }
        try {
          texts[start + offset] = decodeUtf8(bytes, source.displayPath);
        } catch (error) {
          // In a folder or a glob, one Latin-1 file must not sink the run: it is left out and named.
          if (source.kind === 'file' && !source.direct) notUtf8Skipped.push(source.displayPath);
          else throw error;
        }
      }),
    );
  }

  const documents: { path: string; characters: number }[] = [];
  const parts: string[] = [];
  let characters = 0;
  for (const [index, source] of collected.sources.entries()) {
    const text = texts[index];
    if (text === undefined) continue;
    // `header + text` makes a rope in V8, not a copy of the text.
    const part = collected.single ? text : documentHeader(source.displayPath) + text;
    texts[index] = undefined;
    parts.push(part);
    documents.push({ path: source.displayPath, characters: text.length });
    characters += part.length;
  }

  if (documents.every((document) => document.characters === 0)) {
    if (inputs.length === 1 && inputs[0] === '-') {
      throw new InvalidArgumentError({
        argument: 'context',
        message:
          givenInputs.length === 0
            ? 'No context given: stdin was empty. Pipe text in (`cat app.log | rlm "What failed?"`) or pass --context PATH.'
            : 'stdin is empty: nothing was piped in. Pipe text in (`cat app.log | rlm "..." --context -`) or pass --context PATH.',
      });
    }
    const named = inputs.map((input) => `'${input}'`).join(', ');
    const why =
      documents.length === 0
        ? binarySkipped.length > 0
          ? ` holds only binary files (${binarySkipped.slice(0, 3).join(', ')}${binarySkipped.length > 3 ? ', …' : ''})`
          : notUtf8Skipped.length > 0
            ? ` holds only files that are not UTF-8 text (${notUtf8Skipped.slice(0, 3).join(', ')}${notUtf8Skipped.length > 3 ? ', …' : ''})`
            : ' holds no files (after skipping .git, node_modules and .gitignore exclusions)'
        : ' holds only empty files';
    throw new InvalidArgumentError({
      argument: 'context',
      message: `The context is empty: ${named}${why}. Point --context at text files.`,
    });
  }

  return {
    value: collected.single ? parts[0]! : parts,
    documents,
    characters,
    approximateTokens: Math.ceil(characters / CHARACTERS_PER_TOKEN),
    binarySkipped,
    gitignored: collected.gitignored,
    skippedFolders: collected.skippedFolders,
    notUtf8Skipped,
    excluded: collected.excluded,
  };
}

async function readSource(source: ContextSource, stdin: ByteSource): Promise<Uint8Array> {
  if (source.kind === 'stdin') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
  return readFile(source.path);
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SandboxError } from '../errors/sandbox-error';
import type { ContextValue } from './context-value';
import { errorMessageOf } from './describe-cell-error';
import { makeTemporaryDirectory } from './temporary-directory';

/**
 * How a child process reads the context file: as the string itself, as a list of strings joined by
 * `separator` (split inside: 4-5x faster than `JSON.parse` for many short documents), or as JSON to
 * parse inside the sandbox.
 */
export type ContextFileKind = 'string' | 'split' | 'json';

/** Where one child's context is written: a private directory (mode 0700) and the one file in it it may read. */
export interface ContextFileLocation {
  /** Removing it (with `removeTemporaryDirectory`) removes the file. */
  readonly directory: string;
  /** The only path the child may read. */
  readonly path: string;
}

/** How a written context is to be read (see {@link ContextFileKind}). */
export interface ContextEncoding {
  readonly kind: ContextFileKind;
  /** For `split`: the character that joins the documents, which none of them holds. */
  readonly separator?: string;
}

/** Where {@link reserveContextFile} makes the directory, and for whom. */
export interface ReserveContextFileOptions {
  /** The directory to make it in (an environment's `temporaryDirectory` option). */
  readonly parent: string;
  /** The environment's id, which names the directory (`rlm-<id>-context-…`) so a stray one says whose it is. */
  readonly environmentId: string;
}

/** Separators tried for a list of strings: control characters that real documents almost never hold. */
const SEPARATORS = ['\u0001', '\u0002', '\u0003', '\u001e', '\u001f'];

interface EncodedContext {
  readonly kind: ContextFileKind;
  readonly text: string;
  readonly separator?: string;
}

/**
 * A well-formed string goes as it is; a list of well-formed strings joined by a separator none of
 * them holds; anything else, including text with a lone surrogate, which UTF-8 cannot carry, as JSON.
 */
function encodeContext(context: ContextValue): EncodedContext {
  if (typeof context === 'string' && isWellFormed(context)) return { kind: 'string', text: context };
  if (Array.isArray(context) && context.length > 0 && context.every((item) => typeof item === 'string')) {
    const documents = context as readonly string[];
    const separator = SEPARATORS.find(
      (candidate) => !documents.some((document) => document.includes(candidate)),
    );
    if (separator !== undefined) {
      const text = documents.join(separator);
      if (isWellFormed(text)) return { kind: 'split', text, separator };
    }
  }
  return { kind: 'json', text: JSON.stringify(context ?? null) };
}

/**
 * Makes the private directory a child's context will be written to, before the child starts (its
 * read permission names the file). Remove it with `removeTemporaryDirectory`; the host's exit
 * removes it at the latest. Throws a `SandboxError` that says which option to set when the
 * directory cannot be made.
 */
export async function reserveContextFile(options: ReserveContextFileOptions): Promise<ContextFileLocation> {
  const { parent, environmentId } = options;
  const directory = await makeTemporaryDirectory(parent, `rlm-${environmentId}-context-`).catch(
    (error: unknown) => {
      throw new SandboxError({
        environmentId,
        message: `Could not make a temporary directory in ${parent} for the context: ${errorMessageOf(error)}. Set the temporaryDirectory option to a writable directory.`,
        cause: error,
      });
    },
  );
  return { directory, path: join(directory, 'context') };
}

/**
 * Writes the context as UTF-8 to `path` (mode 0600; see {@link encodeContext}). Lists are split and
 * JSON is parsed inside the sandbox, so the objects `context` holds belong to the sandbox.
 */
export async function writeContextFile(path: string, context: ContextValue): Promise<ContextEncoding> {
  const { kind, text, separator } = encodeContext(context);
  await writeFile(path, text, { encoding: 'utf8', mode: 0o600 });
  return { kind, ...(separator !== undefined ? { separator } : {}) };
}

/** `String.prototype.isWellFormed` (Node 20 has it; TypeScript's ES2023 library does not). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

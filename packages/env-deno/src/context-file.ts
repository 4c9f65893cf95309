import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContextValue } from '@rlm/core';

/** How the child reads the context file: as the string itself, or as JSON to parse inside the sandbox. */
export type ContextFileKind = 'string' | 'json';

/** A context written to a private temporary directory for one Deno child to read. */
export interface ContextFile {
  /** The directory (mode 0700) that holds the file; removing it removes the file. */
  readonly directory: string;
  /** The file; the only path the child may read. */
  readonly path: string;
  readonly kind: ContextFileKind;
}

/** Temporary directories not yet removed; whatever is left when the host exits is removed then. */
const liveDirectories = new Set<string>();
let exitHookInstalled = false;

/** Makes a private temporary directory under `parent` that is removed when the host process exits, at the latest. */
export async function makeTemporaryDirectory(parent: string, prefix: string): Promise<string> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const directory of liveDirectories) rmSync(directory, { recursive: true, force: true });
    });
  }
  const directory = await mkdtemp(join(parent, prefix));
  liveDirectories.add(directory);
  return directory;
}

/** Removes a directory made by {@link makeTemporaryDirectory}. */
export async function removeTemporaryDirectory(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
  liveDirectories.delete(directory);
}

/**
 * Writes the context where a child can read it. A well-formed string is written as UTF-8 and read
 * back as it is (the fastest path: 50 MB in about 0.3 s); anything else, including a string with a
 * lone surrogate, which UTF-8 cannot carry, is written as JSON and parsed inside the sandbox, so
 * the objects `context` holds belong to the sandbox.
 */
export async function writeContextFile(parent: string, context: ContextValue): Promise<ContextFile> {
  const directory = await makeTemporaryDirectory(parent, 'rlm-deno-context-');
  try {
    const asString = typeof context === 'string' && isWellFormed(context);
    const kind: ContextFileKind = asString ? 'string' : 'json';
    const path = join(directory, asString ? 'context.txt' : 'context.json');
    const text = asString ? context : JSON.stringify(context ?? null);
    await writeFile(path, text, { encoding: 'utf8', mode: 0o600 });
    return { directory, path, kind };
  } catch (error) {
    await removeTemporaryDirectory(directory);
    throw error;
  }
}

/** `String.prototype.isWellFormed` (Node 20 has it; TypeScript's ES2023 library does not). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

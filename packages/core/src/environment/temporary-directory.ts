import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Temporary directories not yet removed; whatever is left when the host exits is removed then. */
const liveDirectories = new Set<string>();
let exitHookInstalled = false;

/**
 * Makes a private temporary directory (mode 0700) under `parent`, named `prefix` plus random
 * characters, that is removed when the host process exits, at the latest: a child process's files
 * (its context, its cache) must not outlive the host that made them, even when a session is never
 * disposed.
 */
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

/** Removes a directory made by {@link makeTemporaryDirectory}, and everything in it. */
export async function removeTemporaryDirectory(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
  liveDirectories.delete(directory);
}

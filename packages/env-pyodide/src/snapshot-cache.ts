import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PYODIDE_CHILD_PROGRAM } from './pyodide-child.sandbox.generated';
import { PYTHON_REPL_PROGRAM } from './python-repl.sandbox.generated';

/**
 * Where loaded-state snapshots are kept between host processes, so that only the first `rlm` run (or
 * test file) of a machine pays for loading Pyodide: a directory of the user's own (mode 0700, refused
 * when it is a link or someone else's), one file per Pyodide, Deno and child program. A snapshot only
 * ever goes into a sandboxed interpreter, and a damaged one fails that interpreter's start, after
 * which it is made again.
 */
export class SnapshotCache {
  constructor(private readonly directory: string) {}

  /** The file a snapshot of this setup lives at; the name changes with anything that shapes it. */
  pathFor(pyodideDirectory: string, denoPath: string): string {
    const hash = createHash('sha256');
    hash.update(readFileSync(join(pyodideDirectory, 'package.json')));
    const deno = statSync(denoPath);
    hash.update(`${denoPath}\0${deno.size}\0${deno.mtimeMs}\0`);
    hash.update(PYODIDE_CHILD_PROGRAM);
    hash.update(PYTHON_REPL_PROGRAM);
    return join(this.directory, `pyodide-${hash.digest('hex').slice(0, 24)}.snapshot`);
  }

  /** Whether a private, usable directory is there (made if missing). */
  prepare(): boolean {
    try {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      const status = lstatSync(this.directory);
      const ownedByUs = typeof process.getuid !== 'function' || status.uid === process.getuid();
      return status.isDirectory() && !status.isSymbolicLink() && ownedByUs && (status.mode & 0o077) === 0;
    } catch {
      return false;
    }
  }

  /** Whether a finished snapshot is at `path`. */
  has(path: string): boolean {
    try {
      const status = lstatSync(path);
      return status.isFile() && status.size > 0;
    } catch {
      return false;
    }
  }

  /**
   * Moves a snapshot written at `written` into place (a rename: readers never see half of one), and
   * removes the snapshots of earlier versions (31 MB each).
   */
  publish(written: string, path: string): void {
    renameSync(written, path);
    for (const name of readdirSync(this.directory)) {
      const other = join(this.directory, name);
      if (other !== path && /^pyodide-[0-9a-f]+\.snapshot$/.test(name)) rmSync(other, { force: true });
    }
  }

  /** Drops a snapshot that failed to start an interpreter. */
  forget(path: string): void {
    rmSync(path, { force: true });
  }
}

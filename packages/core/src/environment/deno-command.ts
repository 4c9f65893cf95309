import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTemporaryDirectory } from './temporary-directory';

/** What a Deno child process is started with. */
export interface DenoCommandOptions {
  /**
   * The files and folders the child may read (its context file; for Pyodide also the interpreter's
   * folder and snapshot). At least one: an empty `--allow-read=` would let it read every file.
   */
  readonly readablePaths: readonly string[];
  /** The one file the child may write, if any (Pyodide's snapshot maker, which runs no model code, gets one). */
  readonly writablePath?: string;
  /** V8's heap limit in MiB; the child's WebAssembly memories are held to the same number. */
  readonly memoryLimitMb: number;
  /** Deno's own cache directory (`DENO_DIR`; see {@link makeDenoCacheDirectory}). */
  readonly cacheDirectory: string;
  /** The file of the program to run. */
  readonly scriptPath: string;
}

/** The arguments and environment of a `deno run`. */
export interface DenoCommand {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The command line of a child: `deno run` with no permission but reading `readablePaths` (no other
 * file, no network, environment, subprocesses, FFI or system information) and writing
 * `writablePath` when given, never asking for more (`--no-prompt`), without looking for a config
 * file, lock file or package.json, and unable to load code from anywhere but the local disk
 * (`--no-remote`, `--no-npm`, `--cached-only`).
 */
export function denoRunCommand(options: DenoCommandOptions): DenoCommand {
  if (options.readablePaths.length === 0 || options.readablePaths.some((path) => path === '')) {
    // Deno reads an empty permission list as "everything".
    throw new Error('denoRunCommand needs at least one readable path, and no empty one');
  }
  if (options.writablePath === '') throw new Error('denoRunCommand got an empty writable path');
  return {
    args: [
      'run',
      '--quiet',
      '--no-prompt',
      '--no-config',
      '--no-lock',
      '--no-remote',
      '--no-npm',
      '--cached-only',
      `--allow-read=${options.readablePaths.map(escapePermissionList).join(',')}`,
      ...(options.writablePath !== undefined
        ? [`--allow-write=${escapePermissionList(options.writablePath)}`]
        : []),
      // WebAssembly memories are counted in 64 KiB pages: past the limit an allocation fails inside
      // the child (for Pyodide, a MemoryError in Python, whose heap is such a memory).
      `--v8-flags=--max-old-space-size=${options.memoryLimitMb},--wasm-max-mem-pages=${options.memoryLimitMb * 16}`,
      options.scriptPath,
    ],
    env: childEnvironment(options.cacheDirectory),
  };
}

/**
 * Everything the child may see of the environment: its own cache directory and switches that keep
 * Deno quiet, offline and away from package.json files. Nothing of the host's environment (API keys,
 * paths) is passed on.
 */
function childEnvironment(cacheDirectory: string): Record<string, string> {
  const environment: Record<string, string> = {
    DENO_DIR: cacheDirectory,
    DENO_NO_PACKAGE_JSON: '1',
    DENO_NO_PROMPT: '1',
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
  };
  // Windows processes need SystemRoot to load system libraries.
  const systemRoot = process.env.SystemRoot ?? process.env.SYSTEMROOT;
  if (process.platform === 'win32' && systemRoot) environment.SystemRoot = systemRoot;
  return environment;
}

/** Deno splits permission lists at commas; a comma inside a path is written twice. */
function escapePermissionList(path: string): string {
  return path.replaceAll(',', ',,');
}

/**
 * Makes a private temporary directory (see `makeTemporaryDirectory`) for Deno's cache (`DENO_DIR`)
 * in which its storage APIs can keep nothing: `localStorage` and the Cache API keep their data under
 * `location_data`, per program, and every child runs the same program, so two sessions would share it
 * (and write to disk without a write permission). An empty, read-only file in its place makes every
 * such write fail; the children delete those APIs too.
 */
export async function makeDenoCacheDirectory(parent: string, prefix: string): Promise<string> {
  const directory = await makeTemporaryDirectory(parent, prefix);
  await writeFile(join(directory, 'location_data'), '', { mode: 0o400 });
  return directory;
}

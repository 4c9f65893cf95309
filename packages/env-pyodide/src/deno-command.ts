/** What a child is started with. */
export interface DenoCommandOptions {
  /** The files and folders the child may read: Pyodide's folder, the snapshot, the context file. */
  readonly readablePaths: readonly string[];
  /** The one file the child may write: only the snapshot maker, which runs no model code, gets one. */
  readonly writablePath?: string;
  /** V8's heap limit in MiB; the interpreter's WebAssembly memory is held to the same number. */
  readonly memoryLimitMb: number;
  /** Deno's own cache directory (`DENO_DIR`), also the child's working directory. */
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
 * file, no network, environment, subprocesses, FFI or system information), never asking for more
 * (`--no-prompt`), without looking for a config file, lock file or package.json, and unable to load
 * code from anywhere but the local disk (`--no-remote`, `--no-npm`, `--cached-only`).
 */
export function denoRunCommand(options: DenoCommandOptions): DenoCommand {
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
      // Python's heap is the interpreter's WebAssembly memory, in 64 KiB pages: past the limit an
      // allocation fails with a MemoryError inside Python.
      `--v8-flags=--max-old-space-size=${options.memoryLimitMb},--wasm-max-mem-pages=${options.memoryLimitMb * 16}`,
      options.scriptPath,
    ],
    env: childEnvironment(options.cacheDirectory),
  };
}

/** Nothing of the host's environment (API keys, paths) is passed on. */
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

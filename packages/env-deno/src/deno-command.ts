/** What a child is started with. */
export interface DenoCommandOptions {
  /** The only file the child may read. */
  readonly readablePath: string;
  /** V8's heap limit in MiB. */
  readonly memoryLimitMb: number;
  /** Deno's own cache directory (`DENO_DIR`). */
  readonly cacheDirectory: string;
  /** The file of the program to run (the host writes this package's child program to one; see `deno-child-process.ts`). */
  readonly scriptPath: string;
}

/** The arguments and environment of a `deno run` with no permission but reading one file. */
export interface DenoCommand {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The command line of a child: `deno run` with no permission but reading `readablePath` (no other
 * file, no writing, network, environment, subprocesses, FFI or system information), never asking for
 * more (`--no-prompt`), without looking for a config file, lock file or package.json, and unable to
 * load code from anywhere but the local disk (`--no-remote`, `--no-npm`, `--cached-only`).
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
      `--allow-read=${escapePermissionList(options.readablePath)}`,
      // WebAssembly is gone from the sandbox (the prelude deletes it); its memories are bounded by the
      // limit anyway, in 64 KiB pages, for the child's own realm.
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

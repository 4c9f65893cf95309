import { tmpdir } from 'node:os';
import { InvalidArgumentError } from '@rlm/core';
import { checkInteger, defineJavaScriptEnvironment, type ReplEnvironment } from '@rlm/core/environment';
import { sharedLauncher } from './deno-launcher';
import { resolveDenoBinary } from './resolve-deno-binary';

/** Options of {@link createDenoEnvironment}. */
export interface DenoEnvironmentOptions {
  /**
   * The Deno binary to run (2.9 or later). Default: the `RLM_DENO_PATH` environment variable, else
   * the binary of this platform's `@deno/*` package, which installs with this package. Nothing is
   * ever downloaded at run time.
   */
  readonly denoPath?: string;
  /**
   * The most memory one session may use, in MiB. It is V8's heap limit in the child
   * (`--max-old-space-size`, which the context counts toward) and, on Linux, how far the process's
   * private memory may grow past what it held once the context was loaded (this also catches typed
   * arrays, which live outside V8's heap). A session that passes it is killed and restarted
   * (`stateLost`). Default 2048.
   */
  readonly memoryLimitMb?: number;
  /** Wall-clock limit of one cell when `runCell` is given none, in milliseconds. Default 60,000. */
  readonly defaultTimeoutMs?: number;
  /** Characters of output one cell keeps when `runCell` is given no `maxOutputChars`. Default 1,000,000. */
  readonly defaultMaxOutputChars?: number;
  /**
   * How long a new process may take to start and load the context, in milliseconds. Default 60,000
   * (a 50 MB context loads in well under a second).
   */
  readonly startupTimeoutMs?: number;
  /**
   * Where the context is written for the child to read (a private directory per process start,
   * removed as soon as the child has read it) and where Deno keeps its cache for this host process
   * (removed when the host exits). Default: the system's temporary directory.
   */
  readonly temporaryDirectory?: string;
  /**
   * Once a session had to boot its own Deno process, keep one booted process (no context, no code;
   * ~40 MB) waiting for the next session or restart, which then starts in a few milliseconds plus
   * the context's load instead of ~70–100 ms. A session that took a process booted ahead (by
   * `prepare()`, or a spare) readies none, so a program that starts one session pays for no spare.
   * Environments created with the same options share it; it never keeps the host from exiting.
   * Default true.
   */
  readonly keepSpareProcess?: boolean;
}

const DEFAULTS = {
  memoryLimitMb: 2048,
  defaultTimeoutMs: 60_000,
  defaultMaxOutputChars: 1_000_000,
  startupTimeoutMs: 60_000,
} as const;

const MIN_MEMORY_LIMIT_MB = 64;
const MAX_MEMORY_LIMIT_MB = 1024 * 1024;

/**
 * A REPL environment that runs JavaScript in a Deno subprocess, one per session: V8 at native speed,
 * OS-process isolation, and Deno's permission system as a second wall (the child may read only the
 * file that holds the context; no other file, no network, no environment, no subprocesses). Model
 * code runs in a fresh V8 context inside the child, with only the ECMAScript built-ins: no `Deno`,
 * no `fetch`, no timers, no `import()`.
 *
 * ```ts
 * const rlm = createRLM({ model, environment: createDenoEnvironment({ memoryLimitMb: 4096 }) });
 * ```
 */
export function createDenoEnvironment(options: DenoEnvironmentOptions = {}): ReplEnvironment {
  return createDenoEnvironmentWith(options);
}

/**
 * {@link createDenoEnvironment}, with a child program of the caller's choice: for this package's own
 * tests, which run copies of the child with one wall taken out to show that the walls behind it hold.
 * Not exported from the package.
 */
export function createDenoEnvironmentWith(
  options: DenoEnvironmentOptions,
  internal: { readonly childScriptPath?: string } = {},
): ReplEnvironment {
  const { denoPath } = options;
  if (denoPath !== undefined && (typeof denoPath !== 'string' || denoPath.length === 0)) {
    throw new InvalidArgumentError({
      argument: 'denoPath',
      message:
        'createDenoEnvironment: denoPath must be the path of a Deno binary; leave it out to use the bundled one.',
    });
  }
  const check = (name: keyof typeof DEFAULTS, min: number, max?: number) =>
    checkInteger('createDenoEnvironment', name, options[name] ?? DEFAULTS[name], min, max);
  const launcher = sharedLauncher({
    denoPath,
    memoryLimitMb: check('memoryLimitMb', MIN_MEMORY_LIMIT_MB, MAX_MEMORY_LIMIT_MB),
    startupTimeoutMs: check('startupTimeoutMs', 1),
    temporaryDirectory: options.temporaryDirectory ?? tmpdir(),
    keepSpareProcess: options.keepSpareProcess ?? true,
    resolveDenoPath: () => resolveDenoBinary(denoPath),
    ...(internal.childScriptPath !== undefined ? { childScriptPath: internal.childScriptPath } : {}),
  });
  return defineJavaScriptEnvironment({
    environmentId: 'deno',
    sandboxName: 'Deno process',
    defaultTimeoutMs: check('defaultTimeoutMs', 1),
    defaultMaxOutputChars: check('defaultMaxOutputChars', 0),
    createSandbox: (start) => launcher.launch(start.context, start.hostFunctions),
    prepare: () => launcher.prepare(),
    // A process can fail to spawn for a passing reason: the next cell tries again.
    failedRestart: 'retry',
    scrubMessage: (message) => launcher.scrubPaths(message),
    // Ends the spare process this environment's launcher keeps booted.
    dispose: () => launcher.dispose(),
  });
}

/** The Deno environment with default options. */
export const deno: ReplEnvironment = createDenoEnvironment();

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type ReplEnvironment, type ReplSession } from '@rlm/core';
import { checkInteger } from '@rlm/core/environment';
import { sharedLauncher } from './pyodide-launcher';
import { PythonSession } from './python-session';
import { resolveDenoBinary } from './resolve-deno-binary';

/** Options of {@link createPyodideEnvironment}. */
export interface PyodideEnvironmentOptions {
  /**
   * The Deno binary that hosts the interpreter (2.9 or later). Default: the `RLM_DENO_PATH`
   * environment variable, else the binary of this platform's `@deno/*` package, which installs with
   * this package. Nothing is ever downloaded at run time.
   */
  readonly denoPath?: string;
  /**
   * The most memory one session may use, in MiB: Python's heap (the interpreter's WebAssembly
   * memory; past it an allocation raises `MemoryError`, and the session restarts with `stateLost`)
   * and V8's heap around it. Default 2048.
   */
  readonly memoryLimitMb?: number;
  /** Wall-clock limit of one cell when `runCell` is given none, in milliseconds. Default 60,000. */
  readonly defaultTimeoutMs?: number;
  /** Characters of output one cell keeps when `runCell` is given no `maxOutputChars`. Default 1,000,000. */
  readonly defaultMaxOutputChars?: number;
  /** How long a new interpreter may take to load and take its context, in milliseconds. Default 120,000. */
  readonly startupTimeoutMs?: number;
  /**
   * Where the context is written for the child to read (a private directory per process, removed as
   * soon as the child has read it), and where Deno's cache, the child program and the snapshot live
   * for this host process. Default: the system's temporary directory.
   */
  readonly temporaryDirectory?: string;
  /**
   * Keep one booted interpreter (no context, no code; ~200 MB) waiting for the next session or
   * restart, which then starts in the time its context takes to load. Environments created with the
   * same options share it; it never keeps the host from exiting. Default true.
   */
  readonly keepSpareProcess?: boolean;
  /**
   * Start interpreters from a snapshot of a loaded one (made by a process that runs no model code, and
   * kept in `snapshotDirectory`): ~0.3–0.5 s instead of 3–7 s per start. Pyodide marks its snapshots
   * experimental; when making one fails, interpreters load the usual way. Default true.
   */
  readonly snapshot?: boolean;
  /**
   * Where snapshots are kept between host processes (a private directory of this user, made with mode
   * 0700), so that only the first process of a machine loads Pyodide the slow way. `null` keeps them
   * for this process only. Default: `rlm-pyodide-<uid>` in the system's temporary directory.
   */
  readonly snapshotDirectory?: string | null;
}

const DEFAULTS = {
  memoryLimitMb: 2048,
  defaultTimeoutMs: 60_000,
  defaultMaxOutputChars: 1_000_000,
  startupTimeoutMs: 120_000,
} as const;

/** Pyodide's interpreter and standard library need ~100 MiB before any context. */
const MIN_MEMORY_LIMIT_MB = 256;
/** WebAssembly's 32-bit memory: 4 GiB. */
const MAX_MEMORY_LIMIT_MB = 4096;

/** A Pyodide `ReplEnvironment`; `prepare` is always there (interpreters are slow to boot). */
export interface PyodideEnvironment extends ReplEnvironment {
  /**
   * Starts booting an interpreter for the next session now, without waiting for it: call it when a
   * session will be needed soon (while the first model call is in flight). Safe to call often.
   */
  prepare(): void;
  /** Ends the spare interpreter; sessions still open are the caller's to dispose. */
  dispose(): Promise<void>;
}

/**
 * A REPL environment that runs Python: CPython 3.14 compiled to WebAssembly (Pyodide) inside a Deno
 * subprocess, one per session, with no permission but reading Pyodide's own files and the context.
 * The loop's prompt and code fences follow its language (`python`): the model writes ```python
 * (or ```repl) blocks, awaits `llm_query`, and finishes with `FINAL(...)` or `FINAL_VAR("name")`.
 *
 * ```ts
 * const rlm = createRLM({ model, environment: createPyodideEnvironment() });
 * ```
 */
export function createPyodideEnvironment(options: PyodideEnvironmentOptions = {}): PyodideEnvironment {
  const { denoPath } = options;
  if (denoPath !== undefined && (typeof denoPath !== 'string' || denoPath.length === 0)) {
    throw new InvalidArgumentError({
      argument: 'denoPath',
      message:
        'createPyodideEnvironment: denoPath must be the path of a Deno binary; leave it out to use the bundled one.',
    });
  }
  const check = (name: keyof typeof DEFAULTS, min: number, max?: number) =>
    checkInteger('createPyodideEnvironment', name, options[name] ?? DEFAULTS[name], min, max);
  const launcher = sharedLauncher({
    denoPath,
    memoryLimitMb: check('memoryLimitMb', MIN_MEMORY_LIMIT_MB, MAX_MEMORY_LIMIT_MB),
    startupTimeoutMs: check('startupTimeoutMs', 1),
    temporaryDirectory: options.temporaryDirectory ?? tmpdir(),
    keepSpareProcess: options.keepSpareProcess ?? true,
    useSnapshot: options.snapshot ?? true,
    snapshotDirectory:
      options.snapshotDirectory === null
        ? undefined
        : (options.snapshotDirectory ?? join(tmpdir(), `rlm-pyodide-${process.getuid?.() ?? 'user'}`)),
    resolveDenoPath: () => resolveDenoBinary(denoPath),
  });
  const engine = {
    defaultTimeoutMs: check('defaultTimeoutMs', 1),
    defaultMaxOutputChars: check('defaultMaxOutputChars', 0),
    launch: launcher.launch.bind(launcher),
    scrubMessage: (message: string) => launcher.scrubPaths(message),
  };
  return {
    specificationVersion: 'v1',
    environmentId: 'pyodide',
    language: 'python',
    createSession: (sessionOptions): Promise<ReplSession> => PythonSession.create(engine, sessionOptions),
    prepare: () => launcher.warmUp(),
    dispose: () => launcher.dispose(),
  };
}

/** The Pyodide environment with default options. */
export const pyodide: PyodideEnvironment = createPyodideEnvironment();

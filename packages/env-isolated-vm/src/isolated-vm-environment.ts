import { SandboxError } from '@rlm/core';
import { checkInteger, defineJavaScriptEnvironment, type ReplEnvironment } from '@rlm/core/environment';
import { CATASTROPHE_ADVICE, processCatastropheRefusal } from './catastrophes';
import { IsolatedVMSandbox, type IsolatedVMSandboxSettings } from './isolated-vm-sandbox';
import { assertNoNodeSnapshotFlag, type IsolatedVMModule, loadIsolatedVM } from './load-isolated-vm';

const ENVIRONMENT_ID = 'isolated-vm';

/** Options of {@link createIsolatedVMEnvironment}. */
export interface IsolatedVMEnvironmentOptions {
  /**
   * The most memory one session's isolate may use, in MiB (isolated-vm's `memoryLimit`). Past it the
   * isolate is disposed and the session starts a new one (`stateLost`). Default 512: room for a 50 MB
   * context (100 MB if it has characters beyond Latin-1) plus a few full-size copies made while
   * working on it.
   */
  readonly memoryLimitMb?: number;
  /** Wall-clock limit of one cell when `runCell` is given none, in milliseconds. Default 60,000. */
  readonly defaultTimeoutMs?: number;
  /** Characters of output one cell keeps when `runCell` is given no `maxOutputChars`. Default 1,000,000. */
  readonly defaultMaxOutputChars?: number;
  /**
   * Refuse to start on Node 20+ when the process was not started with `--no-node-snapshot` (checked in
   * `process.execArgv` and `NODE_OPTIONS`), which isolated-vm needs there. Default true. Turn it off
   * only if your process gets the flag in a way that check cannot see.
   */
  readonly checkNodeSnapshotFlag?: boolean;
  /**
   * Called when isolated-vm reports a catastrophic error: V8 lost control of an isolate (e.g. one
   * native operation such as `new Array(2 ** 32 - 1).fill(0)` allocated far past the limit in one go).
   * The session has already ended the cell (`crash`) and, within the limits below, started a new
   * isolate (`stateLost`), but the lost isolate's thread sleeps forever with its memory (100–200 MB),
   * and the process no longer exits on its own (`process.exit()` still ends it, see the README).
   * isolated-vm's authors advise finishing outstanding work and restarting the process. Default: none.
   */
  readonly onCatastrophicError?: (message: string) => void;
  /**
   * How many times one session replaces an isolate lost to a catastrophic error. One more makes the
   * session unusable: `runCell` rejects with a `SandboxError` that says so. Default 1.
   */
  readonly maxCatastrophicRestarts?: number;
  /**
   * After this many catastrophic errors in the whole process (all sessions and environments), no new
   * isolate is started in it: restarts and `createSession` reject with a `SandboxError` saying to
   * restart the process or use another environment. Bounds what lost isolates keep (100–200 MB and a
   * thread each). Default 3.
   */
  readonly maxCatastrophicErrorsPerProcess?: number;
}

const DEFAULTS = {
  memoryLimitMb: 512,
  defaultTimeoutMs: 60_000,
  defaultMaxOutputChars: 1_000_000,
  checkNodeSnapshotFlag: true,
  maxCatastrophicRestarts: 1,
  maxCatastrophicErrorsPerProcess: 3,
} as const satisfies Required<Omit<IsolatedVMEnvironmentOptions, 'onCatastrophicError'>>;

type NumericOption =
  | 'memoryLimitMb'
  | 'defaultTimeoutMs'
  | 'defaultMaxOutputChars'
  | 'maxCatastrophicRestarts'
  | 'maxCatastrophicErrorsPerProcess';

/** isolated-vm refuses less than 8 MiB; the prelude and a context need a little more. */
const MIN_MEMORY_LIMIT_MB = 16;
/** V8's heap on 64-bit hosts. */
const MAX_MEMORY_LIMIT_MB = 16_384;

let loadedModule: Promise<IsolatedVMModule> | undefined;

/** Imports isolated-vm once per process; a failed import is tried again next time. */
function loadIsolatedVMOnce(): Promise<IsolatedVMModule> {
  loadedModule ??= loadIsolatedVM().catch((error: unknown) => {
    loadedModule = undefined;
    throw error;
  });
  return loadedModule;
}

/**
 * A REPL environment that runs JavaScript in a V8 isolate of the host process
 * ([isolated-vm](https://github.com/laverdet/isolated-vm)): native V8 speed, its own heap with a
 * memory limit, a per-cell time limit that also stops code running after an `await`, no file system,
 * network, environment variables, timers or modules, and host functions (`llm_query`, …) that run
 * concurrently.
 *
 * `isolated-vm` is a peer dependency loaded on the first `createSession`; when it is missing, or the
 * process lacks `--no-node-snapshot`, `createSession` rejects with a `SandboxError` saying what to do.
 *
 * ```ts
 * const rlm = createRLM({ model, environment: createIsolatedVMEnvironment({ memoryLimitMb: 1024 }) });
 * ```
 */
export function createIsolatedVMEnvironment(options: IsolatedVMEnvironmentOptions = {}): ReplEnvironment {
  const check = (name: NumericOption, min: number, max?: number) =>
    checkInteger('createIsolatedVMEnvironment', name, options[name] ?? DEFAULTS[name], min, max);
  const settings: IsolatedVMSandboxSettings = {
    memoryLimitMb: check('memoryLimitMb', MIN_MEMORY_LIMIT_MB, MAX_MEMORY_LIMIT_MB),
    ...(options.onCatastrophicError ? { onCatastrophicError: options.onCatastrophicError } : {}),
  };
  const maxCatastrophicRestarts = check('maxCatastrophicRestarts', 0);
  const limits = { maxCatastrophicErrorsPerProcess: check('maxCatastrophicErrorsPerProcess', 1) };
  const checkNodeSnapshotFlag = options.checkNodeSnapshotFlag ?? DEFAULTS.checkNodeSnapshotFlag;
  return defineJavaScriptEnvironment<IsolatedVMSandbox>({
    environmentId: ENVIRONMENT_ID,
    sandboxName: 'isolate',
    defaultTimeoutMs: check('defaultTimeoutMs', 1),
    defaultMaxOutputChars: check('defaultMaxOutputChars', 0),
    checkSession() {
      if (checkNodeSnapshotFlag) assertNoNodeSnapshotFlag();
    },
    async createSandbox(start, previous) {
      const refusal = processCatastropheRefusal(limits);
      if (refusal) throw new SandboxError({ environmentId: ENVIRONMENT_ID, message: refusal });
      const ivm = await loadIsolatedVMOnce();
      try {
        return await IsolatedVMSandbox.create(ivm, settings, start, previous);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new SandboxError({
          environmentId: ENVIRONMENT_ID,
          message:
            `Could not start an isolated-vm isolate: ${reason}. If the context is large, raise memoryLimitMb ` +
            `(now ${settings.memoryLimitMb}; a string context takes its length in bytes, twice that if it has ` +
            'characters beyond Latin-1).',
          cause: error,
        });
      }
    },
    refuseRestart(previous, broken) {
      if (previous.catastrophes <= maxCatastrophicRestarts) return undefined;
      return (
        `${broken} That is ${previous.catastrophes} isolates this session lost to catastrophic errors, more than the ` +
        `${maxCatastrophicRestarts} it replaces (maxCatastrophicRestarts), so no new isolate was started. ` +
        `Each lost isolate keeps its memory (100–200 MB) and a thread in this process for good. ${CATASTROPHE_ADVICE}`
      );
    },
  });
}

/** The isolated-vm environment with default options. Creating it loads nothing: isolated-vm is imported on the first session. */
export const isolatedVM: ReplEnvironment = createIsolatedVMEnvironment();

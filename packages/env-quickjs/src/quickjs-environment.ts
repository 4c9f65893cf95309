import { SandboxError } from '@rlm/core';
import {
  checkInteger,
  defineJavaScriptEnvironment,
  type JavaScriptSandbox,
  type ReplEnvironment,
  type ReplSessionOptions,
  type SandboxStartOptions,
} from '@rlm/core/environment';
import { dropSpareContextBuffer } from './quickjs-context-buffer';
import { QuickJSLocalSandbox } from './quickjs-local-sandbox';
import type { QuickJSSandboxLimits } from './quickjs-sandbox';
import { QuickJSThreadedSandbox } from './quickjs-threaded-sandbox';
import { quickJSWorkers } from './quickjs-worker-pool';
import type { WorkerSandboxLimits } from './quickjs-worker-protocol';

/** Options of {@link createQuickJSEnvironment}. */
export interface QuickJSEnvironmentOptions {
  /**
   * The most memory one session may use, in bytes: the maximum of its WebAssembly memory, which no
   * allocation can pass. Default 512 MiB: room for a 50 MB context stored as UTF-16 (100 MB) plus
   * a few full-size copies made while working on it. Memory is taken from the system only as it is
   * used, but a WebAssembly memory never shrinks until its session is disposed.
   */
  readonly memoryLimitBytes?: number;
  /** Wall-clock limit of one cell when `runCell` is given none, in milliseconds. Default 60,000. */
  readonly defaultTimeoutMs?: number;
  /**
   * QuickJS's stack limit, in bytes: deeper recursion throws `InternalError: stack overflow`.
   * Default 256 KiB (about 1,500 frames). QuickJS runs on the host's native stack, so much larger
   * values can overflow Node's own stack first; the session then restarts with `stateLost`.
   */
  readonly maxStackSizeBytes?: number;
  /** Characters of output one cell keeps when `runCell` is given no `maxOutputChars`. Default 1,000,000. */
  readonly defaultMaxOutputChars?: number;
  /**
   * Run each session's QuickJS in a worker thread. Default true: a cell that never yields then holds
   * only its worker, and an abort or the deadline stops it at once. `false` runs QuickJS on the
   * calling thread (about 0.1 ms less per cell and per host call; contexts load about as fast):
   * only for a program that already runs the RLM off its main thread, since a busy cell then
   * blocks that thread until its deadline.
   */
  readonly workerThread?: boolean;
}

const DEFAULTS = {
  memoryLimitBytes: 512 * 1024 * 1024,
  defaultTimeoutMs: 60_000,
  maxStackSizeBytes: 256 * 1024,
  defaultMaxOutputChars: 1_000_000,
} as const satisfies Required<Omit<QuickJSEnvironmentOptions, 'workerThread'>>;

const ENVIRONMENT_ID = 'quickjs';

/** WebAssembly memories of 32-bit QuickJS end at 4 GiB; the release build grows to 2 GiB. */
const MAX_MEMORY_LIMIT_BYTES = 2 * 1024 * 1024 * 1024;
const MIN_MEMORY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * A REPL environment that runs JavaScript in QuickJS compiled to WebAssembly: one isolated
 * WebAssembly instance per session, with bounded memory, a per-cell time limit, no file system,
 * network, environment variables, timers or modules, and host functions (`llm_query`, …) that run
 * concurrently.
 *
 * ```ts
 * const rlm = createRLM({ model, environment: createQuickJSEnvironment({ memoryLimitBytes: 1024 ** 3 }) });
 * ```
 */
export function createQuickJSEnvironment(options: QuickJSEnvironmentOptions = {}): ReplEnvironment {
  const check = (name: keyof typeof DEFAULTS, min: number, max?: number) =>
    checkInteger('createQuickJSEnvironment', name, options[name] ?? DEFAULTS[name], min, max);
  const limits: QuickJSSandboxLimits = {
    memoryLimitBytes: check('memoryLimitBytes', MIN_MEMORY_LIMIT_BYTES, MAX_MEMORY_LIMIT_BYTES),
    maxStackSizeBytes: check('maxStackSizeBytes', 16 * 1024),
  };
  return defineJavaScriptEnvironment({
    environmentId: ENVIRONMENT_ID,
    sandboxName: 'QuickJS sandbox',
    defaultTimeoutMs: check('defaultTimeoutMs', 1),
    defaultMaxOutputChars: check('defaultMaxOutputChars', 0),
    checkSession: (sessionOptions) => checkContextFits(sessionOptions, limits.memoryLimitBytes),
    createSandbox: (start) => startSandbox(limits, start, options.workerThread ?? true),
    // Boots the worker the first session will take (the thread's start, QuickJS's compilation, and
    // a sandbox with these limits and the prelude compiled, waiting for the session's context).
    prepare: () => {
      if (options.workerThread ?? true) quickJSWorkers.prepareWorker(workerLimits(limits));
    },
    async dispose() {
      quickJSWorkers.dispose();
      dropSpareContextBuffer();
    },
  });
}

/** The QuickJS environment with default options. */
export const quickjs: ReplEnvironment = createQuickJSEnvironment();

/**
 * Starts a sandbox in a worker thread; in this thread when asked to (`workerThread: false`), or when
 * a bundler left no way to start a worker (see `quickJSWorkerEntry`).
 */
async function startSandbox(
  limits: QuickJSSandboxLimits,
  start: SandboxStartOptions,
  workerThread: boolean,
): Promise<JavaScriptSandbox> {
  try {
    const acquired = workerThread ? quickJSWorkers.acquire() : undefined;
    if (acquired !== undefined) {
      const sandbox = await QuickJSThreadedSandbox.create(
        acquired.worker,
        (done) => quickJSWorkers.release(done),
        limits,
        start,
      );
      // A session that had to boot its own worker means sessions come faster than workers (children
      // of rlm_query, restarts, no prepare()): one more is readied for the next. Not after a session
      // that took a worker booted ahead: a spare's boot costs ~0.15 s of CPU, which on 2 cores slowed
      // the first cell's fan-out of a run that never needs a second session.
      if (acquired.bootedNow) quickJSWorkers.prepareWorker(workerLimits(limits));
      return sandbox;
    }
    return await QuickJSLocalSandbox.create(limits, start);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/[.\s]+$/, '');
    throw new SandboxError({
      environmentId: ENVIRONMENT_ID,
      message:
        `Could not start a QuickJS sandbox: ${reason}. If the context is large, raise memoryLimitBytes ` +
        `(now ${limits.memoryLimitBytes} bytes; a string context takes up to twice its length in bytes).`,
      cause: error,
    });
  }
}

/** Refuses at once, before any work, a string context QuickJS cannot hold: it needs at least a byte per character. */
function checkContextFits(options: ReplSessionOptions, memoryLimitBytes: number): void {
  const contextChars = stringContextLength(options.context);
  if (contextChars > memoryLimitBytes) {
    throw new SandboxError({
      environmentId: ENVIRONMENT_ID,
      message:
        `Could not start a QuickJS sandbox: the context is ${contextChars} characters, more than memoryLimitBytes ` +
        `(${memoryLimitBytes} bytes) can hold. Raise memoryLimitBytes (a string context takes up to twice its length in bytes).`,
    });
  }
}

/** Characters of a string context, or of a list of strings; 0 for other contexts (not checked ahead). */
function stringContextLength(context: ReplSessionOptions['context']): number {
  if (typeof context === 'string') return context.length;
  if (Array.isArray(context)) {
    let total = 0;
    for (const item of context) if (typeof item === 'string') total += item.length;
    return total;
  }
  return 0;
}

/** The limits a worker's sandbox takes (the QuickJS build is always the release one there). */
function workerLimits(limits: QuickJSSandboxLimits): WorkerSandboxLimits {
  return { memoryLimitBytes: limits.memoryLimitBytes, maxStackSizeBytes: limits.maxStackSizeBytes };
}

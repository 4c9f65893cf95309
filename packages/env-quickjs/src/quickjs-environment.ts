import {
  InvalidArgumentError,
  type ReplEnvironment,
  type ReplSession,
  type ReplSessionOptions,
} from '@rlm/core';
import { QuickJSSession, type QuickJSSessionSettings } from './quickjs-session';

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
}

const DEFAULTS = {
  memoryLimitBytes: 512 * 1024 * 1024,
  defaultTimeoutMs: 60_000,
  maxStackSizeBytes: 256 * 1024,
  defaultMaxOutputChars: 1_000_000,
} as const satisfies Required<QuickJSEnvironmentOptions>;

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
  const settings: QuickJSSessionSettings = {
    memoryLimitBytes: checkInteger(
      'memoryLimitBytes',
      options.memoryLimitBytes ?? DEFAULTS.memoryLimitBytes,
      MIN_MEMORY_LIMIT_BYTES,
      MAX_MEMORY_LIMIT_BYTES,
    ),
    defaultTimeoutMs: checkInteger(
      'defaultTimeoutMs',
      options.defaultTimeoutMs ?? DEFAULTS.defaultTimeoutMs,
      1,
    ),
    maxStackSizeBytes: checkInteger(
      'maxStackSizeBytes',
      options.maxStackSizeBytes ?? DEFAULTS.maxStackSizeBytes,
      16 * 1024,
    ),
    defaultMaxOutputChars: checkInteger(
      'defaultMaxOutputChars',
      options.defaultMaxOutputChars ?? DEFAULTS.defaultMaxOutputChars,
      0,
    ),
  };
  return {
    specificationVersion: 'v1',
    environmentId: 'quickjs',
    language: 'javascript',
    createSession(sessionOptions: ReplSessionOptions): Promise<ReplSession> {
      return QuickJSSession.create(settings, sessionOptions);
    },
  };
}

/** The QuickJS environment with default options. */
export const quickjs: ReplEnvironment = createQuickJSEnvironment();

function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError({
      argument: name,
      message: `createQuickJSEnvironment: ${name} must be an integer from ${min} to ${max}; got ${value}.`,
    });
  }
  return value;
}

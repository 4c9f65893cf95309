import type { RewrittenJavaScriptCell } from '../javascript/rewrite-javascript-cell';
import type { ContextValue } from './context-value';
import type { CellResult, HostFunction } from './repl-environment';

/** Why a cell was stopped from outside: its deadline passed, or its caller aborted it. */
export type StopReason = 'timeout' | 'aborted';

/** What a sandbox is given for one cell, resolved by the session from `RunCellOptions` and the environment's defaults. */
export interface SandboxCellOptions {
  /** The cell's name in stack traces, `cell-N.js`; error locations are looked up by it. */
  readonly fileName: string;
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  readonly signal?: AbortSignal;
}

/**
 * What one cell produced inside the sandbox: a `CellResult` before the session adds its duration
 * and, after a restart, `stateLost`.
 */
export interface SandboxCellOutcome extends Omit<CellResult, 'durationMs' | 'stateLost'> {
  /**
   * Set when the sandbox can no longer be trusted (it crashed, died, was killed to stop code that
   * would not stop, or is full after running out of memory), saying what happened in a sentence.
   * The session disposes it and starts a new one; the sentence opens the cell's `stateLost`.
   */
  readonly broken?: string;
}

/** What a sandbox is created with. */
export interface SandboxStartOptions {
  readonly context: ContextValue;
  readonly hostFunctions: Readonly<Record<string, HostFunction>>;
}

/**
 * The primitive a JavaScript engine supplies to {@link defineJavaScriptEnvironment}: one sandbox
 * with the prelude evaluated in it, `context` bound and the host functions bridged. The session
 * above it owns the cell queue, the rewrite, durations, restarts and dispose; the sandbox only runs
 * what it is given, one cell at a time.
 */
export interface JavaScriptSandbox {
  /**
   * Runs one cell that `rewriteJavaScriptCell` already rewrote. Never throws for the cell's own
   * failures; a failure of the sandbox itself is an outcome with `broken` set (a throw is taken as
   * that too). Stops within about a second of the deadline, of `options.signal` aborting, or of
   * {@link stop}, however busy the cell's code is.
   */
  runCell(cell: RewrittenJavaScriptCell, options: SandboxCellOptions): Promise<SandboxCellOutcome>;
  /** Stops the running cell, if any, as soon as possible; its outcome says `reason`. */
  stop(reason: StopReason): void;
  /** Releases everything the sandbox holds (threads, processes, memory). Safe to call twice; must not throw. */
  dispose(): void | Promise<void>;
}

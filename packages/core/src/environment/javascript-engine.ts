import type { ReplSessionOptions } from './repl-environment';
import type { JavaScriptSandbox, SandboxStartOptions } from './sandbox-cell';

/**
 * What a JavaScript engine hands {@link defineJavaScriptEnvironment}: how to start its sandbox, and
 * the few words and defaults that differ between engines. Everything else a session does (the cell
 * queue, the rewrite, durations, restarts, dispose) is the kit's.
 */
export interface JavaScriptEngine<Sandbox extends JavaScriptSandbox = JavaScriptSandbox> {
  /** The environment's id, e.g. `'quickjs'`: in trajectories, errors and `This quickjs session …`. */
  readonly environmentId: string;
  /** What one sandbox is called in `stateLost`, e.g. `'QuickJS sandbox'`: "A new QuickJS sandbox was started". */
  readonly sandboxName: string;
  /** Wall-clock limit of a cell given none, in milliseconds. */
  readonly defaultTimeoutMs: number;
  /** Characters of output a cell given no `maxOutputChars` keeps. */
  readonly defaultMaxOutputChars: number;
  /**
   * Refuses a session before anything starts (a context that cannot fit, a missing flag), by
   * throwing a `SandboxError` that says what to do.
   */
  checkSession?(options: ReplSessionOptions): void;
  /**
   * Starts a sandbox; throws a `SandboxError` saying why it could not. `previous` is the broken
   * sandbox it replaces (already disposed), for engines that count what a session lost.
   */
  createSandbox(options: SandboxStartOptions, previous: Sandbox | undefined): Promise<Sandbox>;
  /**
   * After `previous` broke: a reason the session must not start another one, which makes the
   * session unusable (`runCell` rejects, saying so), or `undefined` to restart.
   */
  refuseRestart?(previous: Sandbox, broken: string): string | undefined;
  /**
   * When a restart fails: `'unusable'` (the default) makes the session unusable at once;
   * `'retry'` reports it in `stateLost` and tries again at the next cell (for engines whose start
   * can fail for a passing reason, such as a process that could not be spawned).
   */
  readonly failedRestart?: 'unusable' | 'retry';
  /** Scrubs host details (paths) from a start failure before a cell's `stateLost` shows it to the model. */
  scrubMessage?(message: string): string;
  /** Starts ahead what its sandboxes take long to boot (see `ReplEnvironment.prepare`). */
  prepare?(): void;
  /** Releases what the environment keeps between sessions (a spare process, a pool of workers). */
  dispose?(): Promise<void>;
}

import {
  type CellResult,
  type ReplSession,
  type ReplSessionOptions,
  type RunCellOptions,
  rewriteJavaScriptCell,
  SandboxError,
} from '@rlm/core';
import { catastrophicErrorCount } from './catastrophes';
import { IsolatedVMSandbox, type IsolatedVMSandboxSettings } from './isolated-vm-sandbox';
import type { IsolatedVMModule } from './load-isolated-vm';

/** The settings a session runs with, resolved from the environment's options. */
export interface IsolatedVMSessionSettings extends IsolatedVMSandboxSettings {
  readonly defaultTimeoutMs: number;
  readonly defaultMaxOutputChars: number;
  /** How many times one session starts a new isolate after losing one to a catastrophic error. */
  readonly maxCatastrophicRestarts: number;
  /** After this many catastrophic errors in the process, no new isolate is started in it. */
  readonly maxCatastrophicErrorsPerProcess: number;
}

const ENVIRONMENT_ID = 'isolated-vm';
const CATASTROPHE_ADVICE =
  'Restart the process when you can (a process that had one no longer exits on its own; process.exit() still ends it), ' +
  'and give model code this much memory only in another environment: @rlm/env-deno runs each session in its own ' +
  'process, @rlm/env-quickjs in WebAssembly.';

/** Why no isolate may be started any more in this process, if that is so. */
export function processCatastropheRefusal(settings: IsolatedVMSessionSettings): string | undefined {
  const count = catastrophicErrorCount();
  if (count < settings.maxCatastrophicErrorsPerProcess) return undefined;
  return (
    `isolated-vm lost control of ${count} isolates in this process (catastrophic errors, e.g. one native operation ` +
    `allocating far past memoryLimitMb), the most it allows (maxCatastrophicErrorsPerProcess = ` +
    `${settings.maxCatastrophicErrorsPerProcess}); each keeps its memory (100–200 MB) and a thread for good, so no new ` +
    `isolate is started in this process. ${CATASTROPHE_ADVICE}`
  );
}
/** How long `dispose` waits for a stopped cell to wrap up before disposing the isolate under it. */
const DISPOSE_WAIT_MS = 1_500;

/**
 * A persistent REPL in a V8 isolate. Cells run one at a time, in order. When the isolate is lost
 * (out of memory, or disposed to stop code that would not stop), the session builds a fresh one with
 * the same `context` and host functions and says so in the cell's `stateLost`; if even that fails,
 * the session is unusable and says why.
 */
export class IsolatedVMSession implements ReplSession {
  private sandbox: IsolatedVMSandbox | undefined;
  private cellCount = 0;
  /** Isolates this session lost to catastrophic errors. */
  private catastrophes = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private running: Promise<unknown> | undefined;
  private disposed = false;
  /** Why the session cannot run cells any more, once the isolate was lost and could not be recreated. */
  private unusable: string | undefined;
  private readonly onSessionAbort = () => {
    void this.dispose();
  };

  private constructor(
    private readonly ivm: IsolatedVMModule,
    private readonly settings: IsolatedVMSessionSettings,
    private readonly options: ReplSessionOptions,
  ) {}

  static async create(
    ivm: IsolatedVMModule,
    settings: IsolatedVMSessionSettings,
    options: ReplSessionOptions,
  ): Promise<IsolatedVMSession> {
    if (options.signal?.aborted) {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: 'The session was not created: its signal was already aborted.',
      });
    }
    const session = new IsolatedVMSession(ivm, settings, options);
    session.sandbox = await session.createSandbox();
    options.signal?.addEventListener('abort', session.onSessionAbort, { once: true });
    return session;
  }

  private async createSandbox(): Promise<IsolatedVMSandbox> {
    const refusal = processCatastropheRefusal(this.settings);
    if (refusal) throw new SandboxError({ environmentId: ENVIRONMENT_ID, message: refusal });
    try {
      return await IsolatedVMSandbox.create(this.ivm, this.settings, this.options);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message:
          `Could not start an isolated-vm isolate: ${reason}. If the context is large, raise memoryLimitMb ` +
          `(now ${this.settings.memoryLimitMb}; a string context takes its length in bytes, twice that if it has ` +
          'characters beyond Latin-1).',
        cause: error,
      });
    }
  }

  runCell(code: string, options: RunCellOptions = {}): Promise<CellResult> {
    const result = this.queue.then(() => this.runCellNow(code, options));
    this.queue = result.catch(() => {});
    return result;
  }

  private async runCellNow(code: string, options: RunCellOptions): Promise<CellResult> {
    const sandbox = this.sandbox;
    if (this.disposed || !sandbox) {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: this.unusable
          ? `This isolated-vm session is unusable: ${this.unusable} Create a new session.`
          : 'This isolated-vm session was disposed; create a new session to run more cells.',
      });
    }
    const startedAt = performance.now();
    const durationMs = () => Math.round((performance.now() - startedAt) * 1000) / 1000;
    const rewritten = rewriteJavaScriptCell(code);
    if (!rewritten.ok) {
      return {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: rewritten.error,
        durationMs: durationMs(),
      };
    }
    this.cellCount++;
    const running = sandbox.runCell(rewritten, {
      fileName: `cell-${this.cellCount}.js`,
      timeoutMs: options.timeoutMs ?? this.settings.defaultTimeoutMs,
      maxOutputChars: options.maxOutputChars ?? this.settings.defaultMaxOutputChars,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.running = running;
    const { broken, catastrophic, ...outcome } = await running.finally(() => {
      this.running = undefined;
    });
    let stateLost: string | undefined;
    if (broken) {
      sandbox.dispose();
      this.sandbox = undefined;
      if (catastrophic !== undefined) this.catastrophes++;
      if (this.disposed) {
        stateLost = `${broken} The session was disposed.`;
      } else if (catastrophic !== undefined && this.catastrophes > this.settings.maxCatastrophicRestarts) {
        this.unusable =
          `${broken} That is ${this.catastrophes} isolates this session lost to catastrophic errors, more than the ` +
          `${this.settings.maxCatastrophicRestarts} it replaces (maxCatastrophicRestarts), so no new isolate was started. ` +
          `Each lost isolate keeps its memory (100–200 MB) and a thread in this process for good. ${CATASTROPHE_ADVICE}`;
        await this.dispose();
        throw new SandboxError({
          environmentId: ENVIRONMENT_ID,
          message: `This isolated-vm session is unusable: ${this.unusable}`,
        });
      } else {
        try {
          this.sandbox = await this.createSandbox();
        } catch (error) {
          this.unusable = `${broken} A new isolate could not be started: ${error instanceof Error ? error.message : String(error)}`;
          await this.dispose();
          throw new SandboxError({
            environmentId: ENVIRONMENT_ID,
            message: `This isolated-vm session is unusable: ${this.unusable}`,
            cause: error,
          });
        }
        stateLost =
          `${broken} A new isolate was started: \`context\` and the functions are back, but every ` +
          'variable from earlier cells is gone.';
      }
    }
    return { ...outcome, durationMs: durationMs(), ...(stateLost ? { stateLost } : {}) };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.options.signal?.removeEventListener('abort', this.onSessionAbort);
    const sandbox = this.sandbox;
    sandbox?.stop('aborted');
    if (this.running) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.running.catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, DISPOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    // Disposing the isolate also ends a cell whose code was still running in it.
    sandbox?.dispose();
    this.sandbox = undefined;
  }
}

import {
  type CellResult,
  type ReplSession,
  type ReplSessionOptions,
  type RunCellOptions,
  rewriteJavaScriptCell,
  SandboxError,
} from '@rlm/core';
import type { DenoChildProcess } from './deno-child-process';
import type { DenoLauncher } from './deno-launcher';

/** The settings a session runs with, resolved from the environment's options. */
export interface DenoSessionSettings {
  readonly launcher: DenoLauncher;
  readonly defaultTimeoutMs: number;
  readonly defaultMaxOutputChars: number;
}

const ENVIRONMENT_ID = 'deno';

/**
 * A persistent REPL in a Deno process. Cells run one at a time, in order. When the process is lost
 * (killed after a cell overran, out of memory, or it died), the session starts a new one with the
 * same `context` and host functions and says so in the cell's `stateLost`.
 */
export class DenoSession implements ReplSession {
  private process: DenoChildProcess | undefined;
  private cellCount = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private running: Promise<unknown> | undefined;
  private disposed = false;
  private readonly onSessionAbort = () => {
    this.process?.stop('aborted');
    void this.dispose();
  };

  private constructor(
    private readonly settings: DenoSessionSettings,
    private readonly options: ReplSessionOptions,
  ) {}

  static async create(settings: DenoSessionSettings, options: ReplSessionOptions): Promise<DenoSession> {
    if (options.signal?.aborted) {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: 'The session was not created: its signal was already aborted.',
      });
    }
    const session = new DenoSession(settings, options);
    session.process = await session.startProcess();
    options.signal?.addEventListener('abort', session.onSessionAbort, { once: true });
    return session;
  }

  private startProcess(): Promise<DenoChildProcess> {
    return this.settings.launcher.launch(this.options.context, this.options.hostFunctions);
  }

  runCell(code: string, options: RunCellOptions = {}): Promise<CellResult> {
    const result = this.queue.then(() => this.runCellNow(code, options));
    this.queue = result.catch(() => {});
    return result;
  }

  private async runCellNow(code: string, options: RunCellOptions): Promise<CellResult> {
    if (this.disposed) {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: 'This Deno session was disposed; create a new session to run more cells.',
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
    const restarted = this.process === undefined ? await this.restart() : undefined;
    const process = this.process;
    if (process === undefined) {
      const message = `The Deno process of this session is gone and could not be restarted: ${this.settings.launcher.scrubPaths(restarted ?? '')}`;
      return {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: { kind: 'crash', name: 'SandboxError', message },
        durationMs: durationMs(),
        stateLost: message,
      };
    }
    this.cellCount++;
    const running = process.runCell(rewritten, {
      fileName: `cell-${this.cellCount}.js`,
      timeoutMs: options.timeoutMs ?? this.settings.defaultTimeoutMs,
      maxOutputChars: options.maxOutputChars ?? this.settings.defaultMaxOutputChars,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.running = running;
    const { broken, ...outcome } = await running.finally(() => {
      this.running = undefined;
    });
    let stateLost: string | undefined;
    if (broken) {
      this.process = undefined;
      await process.dispose();
      if (this.disposed) {
        stateLost = `${broken} The session was disposed.`;
      } else {
        const failure = await this.restart();
        stateLost =
          failure === undefined
            ? `${broken} A new Deno process was started: \`context\` and the functions are back, but every variable from earlier cells is gone.`
            : `${broken} A new Deno process could not be started (${this.settings.launcher.scrubPaths(failure)}); the next cell tries again.`;
      }
    }
    return { ...outcome, durationMs: durationMs(), ...(stateLost ? { stateLost } : {}) };
  }

  /** Starts a new process; returns why it failed, or `undefined` when it runs. */
  private async restart(): Promise<string | undefined> {
    try {
      const process = await this.startProcess();
      if (this.disposed) {
        await process.dispose();
        return 'the session was disposed';
      }
      this.process = process;
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.options.signal?.removeEventListener('abort', this.onSessionAbort);
    const process = this.process;
    process?.stop('aborted');
    await process?.dispose();
    await this.running?.catch(() => {});
    this.process = undefined;
  }
}

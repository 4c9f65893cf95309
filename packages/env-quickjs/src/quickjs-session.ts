import {
  type CellResult,
  type ReplSession,
  type ReplSessionOptions,
  type RunCellOptions,
  rewriteJavaScriptCell,
  SandboxError,
} from '@rlm/core';
import { QuickJSSandbox, type QuickJSSandboxLimits } from './quickjs-sandbox';

/** The settings a session runs with, resolved from the environment's options. */
export interface QuickJSSessionSettings extends QuickJSSandboxLimits {
  readonly defaultTimeoutMs: number;
  readonly defaultMaxOutputChars: number;
}

const ENVIRONMENT_ID = 'quickjs';

/**
 * A persistent QuickJS REPL. Cells run one at a time, in order. When the sandbox breaks (it crashed,
 * or running out of memory left it full), the session builds a fresh one with the same `context`
 * and host functions and says so in the cell's `stateLost`.
 */
export class QuickJSSession implements ReplSession {
  private sandbox: QuickJSSandbox | undefined;
  private cellCount = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private running: Promise<unknown> | undefined;
  private disposed = false;
  private readonly onSessionAbort = () => {
    this.sandbox?.stop('aborted');
    void this.dispose();
  };

  private constructor(
    private readonly settings: QuickJSSessionSettings,
    private readonly options: ReplSessionOptions,
  ) {}

  static async create(
    settings: QuickJSSessionSettings,
    options: ReplSessionOptions,
  ): Promise<QuickJSSession> {
    if (options.signal?.aborted) {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: 'The session was not created: its signal was already aborted.',
      });
    }
    const contextChars = stringContextLength(options.context);
    if (contextChars > settings.memoryLimitBytes) {
      // Refused at once, before any work: QuickJS needs at least a byte per character.
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message:
          `Could not start a QuickJS sandbox: the context is ${contextChars} characters, more than memoryLimitBytes ` +
          `(${settings.memoryLimitBytes} bytes) can hold. Raise memoryLimitBytes (a string context takes up to twice its length in bytes).`,
      });
    }
    const session = new QuickJSSession(settings, options);
    session.sandbox = await session.createSandbox();
    options.signal?.addEventListener('abort', session.onSessionAbort, { once: true });
    return session;
  }

  private async createSandbox(): Promise<QuickJSSandbox> {
    try {
      return await QuickJSSandbox.create(this.settings, this.options);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).replace(/[.\s]+$/, '');
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message:
          `Could not start a QuickJS sandbox: ${reason}. If the context is large, raise memoryLimitBytes ` +
          `(now ${this.settings.memoryLimitBytes} bytes; a string context takes up to twice its length in bytes).`,
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
        message: 'This QuickJS session was disposed; create a new session to run more cells.',
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
    let settled: Awaited<typeof running>;
    try {
      settled = await running.finally(() => {
        this.running = undefined;
      });
    } catch (caught) {
      // The WebAssembly instance itself failed (an emscripten abort): reported as a crash, and the
      // sandbox is rebuilt, never left for the next cell.
      const message = `The QuickJS sandbox failed: ${caught instanceof Error ? caught.message : String(caught)}`;
      settled = {
        stdout: '',
        stderr: '',
        droppedOutputChars: 0,
        error: { kind: 'crash', name: 'SandboxError', message },
        broken: `${message}.`,
      };
    }
    const { broken, ...outcome } = settled;
    let stateLost: string | undefined;
    if (broken) {
      disposeQuietly(sandbox);
      this.sandbox = undefined;
      if (this.disposed) {
        stateLost = `${broken} The session was disposed.`;
      } else {
        this.sandbox = await this.createSandbox();
        stateLost =
          `${broken} The sandbox was restarted: \`context\` and the functions are back, but every ` +
          'variable from earlier cells is gone.';
      }
    }
    return { ...outcome, durationMs: durationMs(), ...(stateLost ? { stateLost } : {}) };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.options.signal?.removeEventListener('abort', this.onSessionAbort);
    this.sandbox?.stop('aborted');
    await this.running?.catch(() => {});
    if (this.sandbox) disposeQuietly(this.sandbox);
    this.sandbox = undefined;
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

/**
 * Disposes a sandbox whose WebAssembly instance may have aborted: an aborted instance cannot free
 * anything (every call into it throws), and it is dropped whole with its memory instead.
 */
function disposeQuietly(sandbox: QuickJSSandbox): void {
  try {
    sandbox.dispose();
  } catch {
    // Nothing left to free by hand.
  }
}

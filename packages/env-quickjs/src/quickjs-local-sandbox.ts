import * as kit from '@rlm/core/environment';
import type { QuickJSSandbox, QuickJSSandboxLimits } from './quickjs-sandbox';

/**
 * A QuickJS sandbox in the host's own thread: host calls go straight to the host-call table. Used
 * when a bundler left the worker module behind, and by tests that need another QuickJS build (the
 * debug one, which cannot be sent to a worker). A cell that never yields holds the host's thread
 * until its deadline.
 */
export class QuickJSLocalSandbox implements kit.JavaScriptSandbox {
  private constructor(
    private readonly sandbox: QuickJSSandbox,
    private readonly calls: kit.HostCallTable,
  ) {}

  static async create(
    limits: QuickJSSandboxLimits,
    start: kit.SandboxStartOptions,
  ): Promise<QuickJSLocalSandbox> {
    const calls = new kit.HostCallTable(start.hostFunctions);
    let sandbox: QuickJSSandbox | undefined;
    const link = {
      startHostCall(callId: number, name: string, argsJson: string) {
        const refusal = calls.refusal(name, argsJson.length);
        if (refusal !== undefined) {
          queueMicrotask(() => sandbox?.settleHostCall(callId, { ok: false, message: refusal }));
          return;
        }
        calls.start(callId, name, argsJson, (outcome) => sandbox?.settleHostCall(callId, outcome));
      },
    };
    // Loaded at the first local sandbox: a program whose sandboxes run in workers never loads QuickJS
    // in its own thread.
    const { QuickJSSandbox } = await import('./quickjs-sandbox');
    sandbox = await QuickJSSandbox.create(
      limits,
      { context: start.context, hostFunctionNames: Object.keys(start.hostFunctions) },
      link,
    );
    return new QuickJSLocalSandbox(sandbox, calls);
  }

  /** Why freeing the QuickJS instance failed, if it did (a leaked handle, or a crashed instance). */
  get disposeError(): unknown {
    return this.sandbox.disposeError;
  }

  async runCell(
    cell: kit.RewrittenJavaScriptCell,
    options: kit.SandboxCellOptions,
  ): Promise<kit.SandboxCellOutcome> {
    try {
      return await this.sandbox.runCell(cell, options);
    } finally {
      this.calls.drop();
    }
  }

  stop(reason: kit.StopReason) {
    this.sandbox.stop(reason);
  }

  dispose() {
    this.calls.drop();
    this.sandbox.dispose();
  }
}

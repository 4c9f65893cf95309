import * as kit from '@rlm/core/environment';
import { contextBuffer } from './quickjs-context-buffer';
import { encodeContextForWorker } from './quickjs-context-encoding';
import type { QuickJSWorker } from './quickjs-worker-pool';
import {
  STOP_CELL_INDEX,
  STOP_REASON_INDEX,
  STOP_REASONS,
  type WorkerSandboxLimits,
  type WorkerToHostMessage,
} from './quickjs-worker-protocol';

/** After a deadline, a cell has this long to hand back its output before its worker is ended. */
const STOP_GRACE_MS = 1_000;
/** After an abort, this long: QuickJS checks for interrupts every few thousand operations. */
const ABORT_GRACE_MS = 500;
/** Node's timers take at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Cell ids unique in the process, so that a stop meant for an ended cell never matches a later one. */
let lastCellId = 0;

interface RunningCell {
  readonly id: number;
  readonly timeoutMs: number;
  stopReason?: kit.StopReason;
  watchdog?: ReturnType<typeof setTimeout>;
  finish(outcome: kit.SandboxCellOutcome): void;
}

/**
 * A QuickJS sandbox in a worker thread, driven from the host: its cells run there, so a busy one
 * holds only that thread. The host keeps the host-call table (host functions run here, on the
 * host's thread), the cell's timers, and a watchdog that ends the worker when a stopped cell does
 * not hand back its output in time, which nothing inside QuickJS can prevent.
 */
export class QuickJSThreadedSandbox implements kit.JavaScriptSandbox {
  private readonly calls: kit.HostCallTable;
  private running: RunningCell | undefined;
  private startWaiter: ((failure: string | undefined) => void) | undefined;
  private disposed = false;

  private constructor(
    private readonly worker: QuickJSWorker,
    private readonly release: (worker: QuickJSWorker) => void,
    start: kit.SandboxStartOptions,
  ) {
    this.calls = new kit.HostCallTable(start.hostFunctions);
    worker.attach(
      (message) => this.onMessage(message),
      (reason) => this.onWorkerEnd(reason),
    );
  }

  /** Starts a sandbox in `worker`; throws with QuickJS's reason when it could not. */
  static async create(
    worker: QuickJSWorker,
    release: (worker: QuickJSWorker) => void,
    limits: WorkerSandboxLimits,
    start: kit.SandboxStartOptions,
  ): Promise<QuickJSThreadedSandbox> {
    const sandbox = new QuickJSThreadedSandbox(worker, release, start);
    let encodingFailure: unknown;
    const failure = await new Promise<string | undefined>((resolve) => {
      sandbox.startWaiter = resolve;
      if (worker.ended !== undefined) resolve(worker.ended);
      worker.hold(true);
      // The worker readies QuickJS while the context is encoded here, and waits for it before the prelude starts.
      worker.send({
        type: 'start',
        limits: { memoryLimitBytes: limits.memoryLimitBytes, maxStackSizeBytes: limits.maxStackSizeBytes },
        hostFunctionNames: Object.keys(start.hostFunctions),
      });
      let context: ReturnType<typeof encodeContextForWorker>;
      try {
        context = encodeContextForWorker(start.context, contextBuffer);
      } catch (error) {
        encodingFailure = error;
        resolve(kit.errorMessageOf(error));
        return;
      }
      // A large context's bytes move into the worker without a copy, and from there once into QuickJS's memory.
      worker.send({ type: 'context', encodedContext: context.encoded }, context.transfer);
    });
    sandbox.startWaiter = undefined;
    worker.hold(false);
    if (failure !== undefined) {
      worker.terminate();
      throw encodingFailure ?? new Error(failure);
    }
    return sandbox;
  }

  private onMessage(message: WorkerToHostMessage) {
    switch (message.type) {
      case 'started':
        this.startWaiter?.(undefined);
        return;
      case 'startFailed':
        this.startWaiter?.(message.message);
        return;
      case 'hostCall':
        this.startHostCall(message.callId, message.name, message.argsJson);
        return;
      case 'done':
        if (this.running?.id === message.cellId) this.running.finish(message.outcome);
        return;
      case 'disposed':
        return;
    }
  }

  private startHostCall(callId: number, name: string, argsJson: string) {
    if (this.running === undefined || this.running.stopReason !== undefined) return;
    const refusal = this.calls.refusal(name, argsJson.length);
    if (refusal !== undefined) {
      this.worker.send({ type: 'settle', callId, outcome: { ok: false, message: refusal } });
      return;
    }
    this.calls.start(callId, name, argsJson, (outcome) => {
      if (!this.disposed) this.worker.send({ type: 'settle', callId, outcome });
    });
  }

  private onWorkerEnd(reason: string) {
    this.startWaiter?.(reason);
    const broken = `The QuickJS worker thread was lost (${reason}).`;
    this.running?.finish({
      stdout: '',
      stderr: '',
      droppedOutputChars: 0,
      error: kit.crashError(broken),
      broken,
    });
  }

  runCell(
    cell: kit.RewrittenJavaScriptCell,
    options: kit.SandboxCellOptions,
  ): Promise<kit.SandboxCellOutcome> {
    const id = ++lastCellId;
    return new Promise<kit.SandboxCellOutcome>((resolve) => {
      const onAbort = () => this.stop('aborted');
      const timer = setTimeout(
        () => this.stop('timeout'),
        Math.min(Math.max(options.timeoutMs, 0), MAX_TIMER_MS),
      );
      const running: RunningCell = {
        id,
        timeoutMs: options.timeoutMs,
        finish: (outcome) => {
          if (this.running !== running) return;
          this.running = undefined;
          clearTimeout(timer);
          clearTimeout(running.watchdog);
          options.signal?.removeEventListener('abort', onAbort);
          this.calls.drop();
          this.worker.hold(false);
          resolve(outcome);
        },
      };
      this.running = running;
      this.worker.hold(true);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (this.worker.ended !== undefined) {
        this.onWorkerEnd(this.worker.ended);
        return;
      }
      this.worker.send({
        type: 'run',
        cellId: id,
        cell,
        fileName: options.fileName,
        timeoutMs: options.timeoutMs,
        maxOutputChars: options.maxOutputChars,
      });
      if (options.signal?.aborted) this.stop('aborted');
    });
  }

  /**
   * Stops the running cell: through shared memory, which QuickJS's interrupt handler reads even in a
   * loop that never yields, and by message, which wakes a cell that waits. A cell that still has not
   * answered after a grace period costs its worker.
   */
  stop(reason: kit.StopReason) {
    const running = this.running;
    if (running === undefined || running.stopReason !== undefined) return;
    running.stopReason = reason;
    Atomics.store(this.worker.shared, STOP_REASON_INDEX, STOP_REASONS.indexOf(reason));
    Atomics.store(this.worker.shared, STOP_CELL_INDEX, running.id);
    this.worker.send({ type: 'stop', reason });
    running.watchdog = setTimeout(
      () => {
        const broken =
          reason === 'aborted'
            ? 'The cell was aborted, and its code did not stop in time, so its QuickJS worker thread was ended.'
            : 'The cell ran past its time limit, and its code did not stop in time, so its QuickJS worker thread was ended.';
        this.worker.terminate();
        running.finish({
          stdout: '',
          stderr: '',
          droppedOutputChars: 0,
          error: kit.stopError(reason, running.timeoutMs),
          broken,
        });
      },
      reason === 'aborted' ? ABORT_GRACE_MS : STOP_GRACE_MS,
    );
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.calls.drop();
    this.startWaiter?.('the sandbox was disposed');
    if (this.running !== undefined || this.worker.ended !== undefined) {
      // A cell still running (the session's grace period is over) ends with its thread.
      this.worker.terminate();
      this.onWorkerEnd('the sandbox was disposed');
      return;
    }
    // Messages arrive in order: the next sandbox's start comes after this dispose.
    this.worker.send({ type: 'dispose' });
    this.release(this.worker);
  }
}

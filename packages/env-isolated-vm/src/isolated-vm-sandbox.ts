import * as kit from '@rlm/core/environment';
import type { Context, Isolate, Reference } from 'isolated-vm';
import { recordCatastrophicError } from './catastrophes';
import {
  type DriverCellOutcome,
  ISOLATED_VM_DRIVER_SOURCE,
  type IsolatedVMDriverFunctions,
} from './isolated-vm-driver-source';
import type { IsolatedVMModule } from './load-isolated-vm';
import { transferContext } from './transfer-context';

/** What a sandbox is created with. */
export interface IsolatedVMSandboxSettings {
  /** isolated-vm's `memoryLimit` of the isolate, in MiB. */
  readonly memoryLimitMb: number;
  /** Told when isolated-vm reports that V8 lost control of an isolate (after the sandbox dealt with it). */
  readonly onCatastrophicError?: (message: string) => void;
}

/** The memory option an isolated-vm session is bounded by, named in out-of-memory errors. */
const MEMORY_OPTION = 'memoryLimitMb';

/** Setting up an isolate (prelude, context) may take this long; a 50 MB JSON context parses in ~1 s. */
const SETUP_TIMEOUT_MS = 60_000;
/** How long the driver's own bookkeeping after a cell may take. */
const HOUSEKEEPING_MS = 1_000;
/**
 * After a cell's deadline, code still running in the isolate has this long to stop at its timeout
 * before the isolate is disposed. isolated-vm terminates code at the timeout within milliseconds.
 */
const STOP_GRACE_MS = 1_000;
/** After an abort, code still running in the isolate (it has the cell's own timeout) has this long to finish. */
const ABORT_GRACE_MS = 250;
/** After an allocation failed, the session goes on only while the isolate uses less than this share of its limit. */
const MEMORY_HEADROOM_RATIO = 0.75;
/**
 * How many calls into isolates, per second of deadline and per process, get isolated-vm's `timeout`.
 *
 * Every timed call leaves a timer in isolated-vm's timer thread until its deadline, even after the
 * call returned, and when the thread wakes it drops the dead timers that are due by recursing once per
 * timer: ~35,000 of them due at once overflow its stack and the host dies (SIGSEGV). The settles of
 * one cell all end at the cell's deadline, so `for (;;) await noop()` reached that in 3 s. Calls past
 * this budget run without a timer; if their code then runs past the cell's deadline, the host's
 * watchdog disposes the isolate (`stateLost`) instead of stopping it in place.
 */
const MAX_TIMED_CALLS_PER_DEADLINE_SECOND = 5_000;
const timedCallsByDeadlineSecond = new Map<number, number>();

/** Takes one timed call from the budget of the second `deadline` (a `performance.now()` time) falls in. */
function reserveTimedCall(deadline: number): boolean {
  const second = Math.floor(deadline / 1000);
  const used = timedCallsByDeadlineSecond.get(second) ?? 0;
  if (timedCallsByDeadlineSecond.size > 256) {
    const past = Math.floor(performance.now() / 1000) - 2;
    for (const key of timedCallsByDeadlineSecond.keys())
      if (key < past) timedCallsByDeadlineSecond.delete(key);
  }
  if (used >= MAX_TIMED_CALLS_PER_DEADLINE_SECOND) return false;
  timedCallsByDeadlineSecond.set(second, used + 1);
  return true;
}

/** Node's timers and isolated-vm's timeouts take at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

type IsolateCallResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'disposed'; readonly message: string }
  /** The call ran, but isolated-vm replaced its result by a promise model code left rejected without a handler. */
  | { readonly kind: 'failed'; readonly error: unknown };

/** How the isolate was lost, when it was. */
interface IsolateLoss {
  readonly kind: kit.CellErrorKind;
  readonly message: string;
}

interface RunningCell {
  readonly id: number;
  /** `performance.now()` time by which the cell must end. */
  readonly deadline: number;
  ended: boolean;
  stopReason?: kit.StopReason;
  /** A call into the isolate was cut off at its timeout. */
  terminated: boolean;
  wake(): void;
}

/**
 * One V8 isolate (isolated-vm) with one context in which the shared prelude and the driver run. It
 * runs one cell at a time; the session above recreates it when it is lost.
 *
 * The isolate gets nothing of the host but two fire-and-forget callbacks (start a host call, "the
 * cell settled"); everything else crosses as strings. The host keeps References to the driver's
 * functions only, and releases them, the context and the isolate on `dispose`.
 */
export class IsolatedVMSandbox implements kit.JavaScriptSandbox {
  private context: Context | undefined;
  private readonly references: Reference[] = [];
  private driver!: { [Name in keyof IsolatedVMDriverFunctions]: Reference<IsolatedVMDriverFunctions[Name]> };
  private readonly calls: kit.HostCallTable;
  /** Isolates the session lost to catastrophic errors before this one, this one's included once it had one. */
  catastrophes: number;
  /** The first message of isolated-vm's catastrophic-error handler for this isolate, once it called it. */
  private catastrophe: string | undefined;
  private running: RunningCell | undefined;
  private cellCount = 0;
  private loss: IsolateLoss | undefined;
  private disposed = false;
  /** Settles when the isolate is lost, so that no call into it waits for an answer that cannot come. */
  private readonly lost: Promise<'lost'>;
  private markLost!: () => void;

  private constructor(
    private readonly isolate: Isolate,
    private readonly hostFunctionNames: readonly string[],
    private readonly settings: IsolatedVMSandboxSettings,
    hostCalls: kit.HostCallTable,
    catastrophesBefore: number,
  ) {
    this.calls = hostCalls;
    this.catastrophes = catastrophesBefore;
    this.lost = new Promise((resolve) => {
      this.markLost = () => resolve('lost');
    });
  }

  /** Creates an isolate and evaluates the prelude in it with `context` and the host functions. */
  static async create(
    ivm: IsolatedVMModule,
    settings: IsolatedVMSandboxSettings,
    sessionOptions: kit.SandboxStartOptions,
    /** The sandbox this one replaces, whose count of catastrophes it carries on. */
    previous?: IsolatedVMSandbox,
  ): Promise<IsolatedVMSandbox> {
    let sandbox: IsolatedVMSandbox | undefined;
    const isolate = new ivm.Isolate({
      memoryLimit: settings.memoryLimitMb,
      // Without a handler isolated-vm aborts the whole process; with one, only this sandbox is lost.
      onCatastrophicError: (message) => sandbox?.onCatastrophicError(message),
    });
    sandbox = new IsolatedVMSandbox(
      isolate,
      Object.keys(sessionOptions.hostFunctions),
      settings,
      new kit.HostCallTable(sessionOptions.hostFunctions),
      previous?.catastrophes ?? 0,
    );
    try {
      await sandbox.start(ivm, sessionOptions.context);
    } catch (error) {
      const lostForMemory = isolate.isDisposed && /memory limit/i.test(kit.errorMessageOf(error));
      sandbox.dispose();
      if (lostForMemory) {
        throw new Error(
          `the isolate ran out of memory while receiving the context (memoryLimitMb is ${settings.memoryLimitMb})`,
          { cause: error },
        );
      }
      throw error;
    }
    return sandbox;
  }

  private keep<T>(reference: Reference<T>): Reference<T> {
    this.references.push(reference);
    return reference;
  }

  private async start(ivm: IsolatedVMModule, contextValue: kit.ContextValue) {
    const context = await this.isolate.createContext();
    this.context = context;
    const prelude = this.keep(
      await context.eval(kit.JAVASCRIPT_PRELUDE_SOURCE, {
        filename: 'rlm-prelude.js',
        reference: true,
        timeout: SETUP_TIMEOUT_MS,
      }),
    );
    const driverFactory = this.keep(
      await context.eval(ISOLATED_VM_DRIVER_SOURCE, {
        filename: 'rlm-isolated-vm-driver.js',
        reference: true,
        timeout: SETUP_TIMEOUT_MS,
      }),
    );
    const startHostCall = new ivm.Callback(
      (cellId: unknown, callId: unknown, name: unknown, argsJson: unknown) =>
        this.startHostCall(cellId, callId, name, argsJson),
      { ignored: true },
    );
    const cellSettled = new ivm.Callback(
      (cellId: unknown) => {
        const running = this.running;
        if (running && running.id === cellId) running.wake();
      },
      { ignored: true },
    );
    const transfer = transferContext(contextValue);
    const driver = this.keep(
      (await driverFactory.apply(
        undefined,
        [
          prelude.derefInto(),
          startHostCall,
          cellSettled,
          JSON.stringify(this.hostFunctionNames),
          transfer.kind,
          transfer.payload,
          transfer.separator,
        ],
        { result: { reference: true }, timeout: SETUP_TIMEOUT_MS },
      )) as Reference<Record<string, unknown>>,
    );
    const functionReference = async <Name extends keyof IsolatedVMDriverFunctions>(name: Name) =>
      this.keep((await driver.get(name, { reference: true })) as Reference<IsolatedVMDriverFunctions[Name]>);
    this.driver = {
      run: await functionReference('run'),
      settle: await functionReference('settle'),
      finish: await functionReference('finish'),
      readFinished: await functionReference('readFinished'),
      beginDrain: await functionReference('beginDrain'),
      endDrain: await functionReference('endDrain'),
    };
    // Only the driver's functions are used from here on.
    for (const done of [prelude, driverFactory, driver]) this.release(done);
  }

  private release(reference: Reference) {
    const index = this.references.indexOf(reference);
    if (index !== -1) this.references.splice(index, 1);
    reference.release();
  }

  /** Whether the isolate is gone; the session must recreate the sandbox. */
  get isLost(): boolean {
    return this.loss !== undefined || this.isolate.isDisposed;
  }

  /** Runs one rewritten cell to the end. Never throws for the cell's own failures. */
  async runCell(
    cell: kit.RewrittenJavaScriptCell,
    options: kit.SandboxCellOptions,
  ): Promise<kit.SandboxCellOutcome> {
    const startedAt = performance.now();
    let wake!: () => void;
    const settledOrStopped = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const running: RunningCell = {
      id: ++this.cellCount,
      deadline: startedAt + options.timeoutMs,
      ended: false,
      terminated: false,
      wake,
    };
    this.running = running;
    const onAbort = () => this.stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => this.stop('timeout'), clampTimer(options.timeoutMs));
    if (options.signal?.aborted) this.stop('aborted');
    try {
      if (!running.stopReason && !this.isLost) {
        const code = `${cell.code}\n//# sourceURL=${options.fileName}`;
        const started = this.callIsolate(
          this.driver.run,
          [running.id, code, options.maxOutputChars],
          running,
        );
        // An abort must not wait for synchronous code to reach its timeout: collectCell deals with it.
        await Promise.race([
          started.then((result) => this.noteCallResult(running, result)),
          settledOrStopped,
        ]);
      }
      if (!running.stopReason && !this.isLost) await settledOrStopped;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      running.ended = true;
      this.calls.drop();
    }

    const collected = await this.collectCell(running);
    if (this.running === running) this.running = undefined;
    const loss =
      this.loss ??
      (this.isolate.isDisposed ? lossFromMessage('the isolate was disposed', this.settings) : undefined);
    if (loss || !collected) {
      const broken = loss?.message ?? "The sandbox could not collect the cell's output.";
      return {
        stdout: collected?.output.stdout ?? '',
        stderr: collected?.output.stderr ?? '',
        droppedOutputChars: collected?.output.droppedOutputChars ?? 0,
        error:
          loss?.kind === undefined ? kit.crashError(broken) : { ...kit.crashError(broken), kind: loss.kind },
        broken,
      };
    }
    const { cell: outcome, output } = collected;
    let error: kit.CellError | undefined;
    if (outcome.status === 'pending' || running.terminated) {
      error = kit.stopError(running.stopReason ?? 'timeout', options.timeoutMs);
    } else if (outcome.status === 'rejected' || outcome.status === 'threw') {
      error = kit.describeCellError(outcome.error, {
        cell,
        fileName: options.fileName,
        atCompile: outcome.status === 'threw',
        memoryOption: MEMORY_OPTION,
      });
      if (error.kind === 'syntax' && error.line === undefined)
        error = await this.locateSyntaxError(error, cell, options);
    }
    if (error?.kind === 'memory' && !(await this.hasMemoryHeadroom())) {
      // Left as it is, the isolate would be disposed during the next cell, which did nothing wrong.
      const broken = `The isolate ran out of memory (its limit is memoryLimitMb = ${this.settings.memoryLimitMb}), and what the cells stored still fills it, so it was disposed.`;
      this.kill({ kind: 'memory', message: broken });
      return {
        stdout: output.stdout,
        stderr: output.stderr,
        droppedOutputChars: output.droppedOutputChars,
        error,
        ...(output.final ? { final: output.final } : {}),
        broken,
      };
    }
    return {
      stdout: output.stdout,
      stderr: output.stderr,
      droppedOutputChars: output.droppedOutputChars,
      ...(error ? { error } : outcome.value !== undefined ? { value: outcome.value } : {}),
      ...(output.final ? { final: output.final } : {}),
      ...kit.cellVariablesField(output.variables),
    };
  }

  /**
   * V8's `eval` reports no position for a syntax error (acorn, which finds nearly all of them first,
   * does); compiling the same code as a script, which never runs, names the line and column.
   */
  private async locateSyntaxError(
    error: kit.CellError,
    cell: kit.RewrittenJavaScriptCell,
    options: kit.SandboxCellOptions,
  ): Promise<kit.CellError> {
    try {
      const script = await this.isolate.compileScript(cell.code, { filename: options.fileName });
      script.release();
    } catch (compileError) {
      const match = /^(.*) \[(.+):(\d+):(\d+)\]$/s.exec(kit.errorMessageOf(compileError));
      if (match?.[2] === options.fileName) {
        const line = Number(match[3]);
        const column = Math.max(1, Number(match[4]) - (line === 1 ? cell.firstLineColumnOffset : 0));
        return { ...error, message: match[1] ?? error.message, line, column };
      }
    }
    return error;
  }

  /** After an allocation failed: is there room to go on, or do the cells' variables still fill the isolate? */
  private async hasMemoryHeadroom(): Promise<boolean> {
    try {
      const heap = await this.isolate.getHeapStatistics();
      const used = heap.used_heap_size + heap.externally_allocated_size;
      return used < this.settings.memoryLimitMb * 1024 * 1024 * MEMORY_HEADROOM_RATIO;
    } catch {
      return false;
    }
  }

  /** Stops the running cell, if any, as soon as possible. */
  stop(reason: kit.StopReason) {
    const running = this.running;
    if (!running || running.ended) return;
    running.stopReason ??= reason;
    running.wake();
  }

  /**
   * Ends the cell inside the isolate and reads its outcome. Code the cell left running inside stops at
   * its timeout (the deadline); if the isolate is still busy a grace period later, or after an abort,
   * it is disposed: nothing else can stop it.
   */
  private async collectCell(
    running: RunningCell,
  ): Promise<{ cell: DriverCellOutcome; output: kit.JavaScriptPreludeCellOutput } | undefined> {
    if (this.isLost) return undefined;
    const now = performance.now();
    const killInMs =
      running.stopReason === 'aborted'
        ? ABORT_GRACE_MS
        : Math.max(0, running.deadline - now) + STOP_GRACE_MS + HOUSEKEEPING_MS;
    const killer = setTimeout(() => {
      this.kill(
        running.stopReason === 'aborted'
          ? {
              kind: 'aborted',
              message:
                'The cell was aborted while its code was still running in the isolate, so the isolate was disposed.',
            }
          : {
              kind: 'timeout',
              message:
                'The cell ran past its time limit and its code did not stop, so the isolate was disposed.',
            },
      );
    }, clampTimer(killInMs));
    try {
      let finished = await this.callIsolate(this.driver.finish, [], HOUSEKEEPING_MS);
      if (finished.kind === 'failed' || finished.kind === 'timeout') {
        finished = await this.callIsolate(this.driver.readFinished, [], HOUSEKEEPING_MS);
      }
      if (finished.kind !== 'ok' || typeof finished.value !== 'string' || finished.value === '') {
        return undefined;
      }
      const collected = JSON.parse(finished.value) as {
        cell: DriverCellOutcome;
        output: kit.JavaScriptPreludeCellOutput;
      };
      if (collected.cell.pendingCalls > 0) {
        // Whether the callbacks finish or hit the timeout, nothing of them is left for the next cell.
        await this.callIsolate(this.driver.beginDrain, [], HOUSEKEEPING_MS);
        await this.callIsolate(this.driver.endDrain, [], HOUSEKEEPING_MS);
      }
      return collected;
    } finally {
      clearTimeout(killer);
    }
  }

  private timeLeft(running: RunningCell): number {
    return running.deadline - performance.now();
  }

  /**
   * Calls a driver function inside the isolate. A `RunningCell` as the limit gives the call the time
   * left in that cell as its timeout; a number is the timeout itself.
   */
  private async callIsolate<T>(
    reference: Reference<(...args: never[]) => T>,
    args: readonly (string | number | boolean)[],
    limit: RunningCell | number,
  ): Promise<IsolateCallResult<T>> {
    if (this.isLost) return { kind: 'disposed', message: 'the isolate is gone' };
    const timeoutMs = typeof limit === 'number' ? limit : this.timeLeft(limit);
    const deadline = typeof limit === 'number' ? performance.now() + limit : limit.deadline;
    // 0: no timer (see MAX_TIMED_CALLS_PER_DEADLINE_SECOND); the cell's watchdog still ends the cell.
    const timeout = reserveTimedCall(deadline)
      ? Math.min(Math.max(1, Math.ceil(timeoutMs)), MAX_TIMER_MS)
      : 0;
    // After a catastrophic error the isolate's thread never answers again: stop waiting when it is lost.
    const answer = await Promise.race([
      reference.apply(undefined, args as never, { timeout }).then(
        (value) => ({ value: value as T }),
        (error: unknown) => ({ error }),
      ),
      this.lost,
    ]);
    if (answer === 'lost') return { kind: 'disposed', message: 'the isolate is gone' };
    if ('value' in answer) return { kind: 'ok', value: answer.value };
    const message = kit.errorMessageOf(answer.error);
    if (this.isolate.isDisposed || this.isLost) {
      this.loss ??= lossFromMessage(message, this.settings);
      this.markLost();
      return { kind: 'disposed', message };
    }
    if (message === 'Script execution timed out.') return { kind: 'timeout' };
    return { kind: 'failed', error: answer.error };
  }

  private noteCallResult(running: RunningCell, result: IsolateCallResult<unknown>) {
    if (result.kind === 'timeout') {
      running.terminated = true;
      running.stopReason ??= 'timeout';
      running.wake();
    } else if (result.kind === 'disposed') {
      running.wake();
    }
    // 'failed': model code left a rejected promise unhandled; inside the sandbox that passes silently.
  }

  private startHostCall(cellId: unknown, callId: unknown, name: unknown, argsJson: unknown): void {
    if (
      this.disposed ||
      typeof callId !== 'number' ||
      typeof name !== 'string' ||
      typeof argsJson !== 'string'
    ) {
      return;
    }
    const running = this.running;
    // Its cell ended before the host heard of the call: nobody will read the result, so it never starts.
    if (!running || running.id !== cellId || running.ended) return;
    // The prelude and the driver already keep a session within these limits; this is the backstop
    // should either fail, so that the host never runs or holds more of one session's calls.
    const refusal = this.calls.refusal(name, argsJson.length);
    if (refusal !== undefined) {
      void this.settleHostCall(running, callId, { ok: false, message: refusal });
      return;
    }
    this.calls.start(callId, name, argsJson, (outcome) => void this.settleHostCall(running, callId, outcome));
  }

  private async settleHostCall(cell: RunningCell, callId: number, outcome: kit.HostCallOutcome) {
    if (cell.ended || this.disposed) return;
    // Past the deadline the cell's timer stops it; the result is dropped.
    if (this.timeLeft(cell) <= 0) return;
    const payload = outcome.ok ? outcome.json : outcome.message;
    this.noteCallResult(
      cell,
      await this.callIsolate(this.driver.settle, [callId, outcome.ok, payload], cell),
    );
  }

  /** Disposes the isolate: the only way to stop code that does not stop at its timeout. */
  private kill(loss: IsolateLoss) {
    this.loss ??= loss;
    try {
      if (!this.isolate.isDisposed) this.isolate.dispose();
    } catch {
      // Already disposed.
    }
    this.markLost();
    this.running?.wake();
  }

  /**
   * isolated-vm calls this when V8 lost control of the isolate (e.g. an allocation inside one native
   * operation overran the heap): its thread sleeps forever, holding the isolate's memory. The sandbox
   * marks the isolate lost, and the process counts it (see `catastrophes.ts`).
   */
  private onCatastrophicError(message: string) {
    // isolated-vm may call again for the same isolate (e.g. "Script failed to terminate" when the
    // cell's timeout cannot stop the lost thread): one isolate, one catastrophe.
    if (this.catastrophe !== undefined) return;
    this.catastrophe = message;
    this.catastrophes++;
    recordCatastrophicError();
    this.kill({
      kind: 'crash',
      message: `isolated-vm reported that V8 lost control of the isolate (${message}), so it was disposed.`,
    });
    try {
      this.settings.onCatastrophicError?.(message);
    } catch {
      // A failing listener must not take the sandbox's recovery down with it.
    }
  }

  /** Releases every Reference, the context and the isolate. Safe to call twice. */
  dispose() {
    if (this.disposed) return;
    this.stop('aborted');
    this.disposed = true;
    this.loss ??= { kind: 'aborted', message: 'The session was disposed while the cell was running.' };
    this.markLost();
    this.running?.wake();
    this.calls.drop();
    for (const reference of this.references.splice(0)) {
      try {
        reference.release();
      } catch {
        // The isolate is already gone, and the reference with it.
      }
    }
    try {
      this.context?.release();
    } catch {
      // As above.
    }
    try {
      if (!this.isolate.isDisposed) this.isolate.dispose();
    } catch {
      // As above.
    }
  }
}

function lossFromMessage(message: string, settings: IsolatedVMSandboxSettings): IsolateLoss {
  if (/memory limit/i.test(message)) {
    return {
      kind: 'memory',
      message: `The isolate ran out of memory (its limit is memoryLimitMb = ${settings.memoryLimitMb}) and was disposed.`,
    };
  }
  return { kind: 'crash', message: `The isolate was lost: ${message}.` };
}

function clampTimer(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_TIMER_MS);
}

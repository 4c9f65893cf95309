import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  type CellError,
  type CellErrorKind,
  type ContextValue,
  type FinalAnswer,
  findCellErrorLocation,
  type HostFunction,
  JAVASCRIPT_PRELUDE_SOURCE,
  type JavaScriptPreludeCellOutput,
  type JsonValue,
  type RewrittenJavaScriptCell,
  SandboxError,
} from '@rlm/core';
import {
  type CellDoneMessage,
  type ChildErrorDescription,
  type ChildFrame,
  formatHostFrame,
  type HostCallMessage,
  parseChildFrame,
} from './child-protocol';
import {
  type ContextFileLocation,
  removeTemporaryDirectory,
  reserveContextFile,
  writeContextFile,
} from './context-file';
import { denoRunCommand } from './deno-command';
import { LineReader } from './line-reader';
import { readPrivateMemoryBytes } from './memory-usage';

const ENVIRONMENT_ID = 'deno';
const MEBIBYTE = 1024 * 1024;
/** How long a stopped cell may take to hand back its output before the process is killed. */
const STOP_GRACE_MS = 500;
/** How often the memory of a process running a cell is checked (Linux only). */
const MEMORY_POLL_MS = 100;
/** A longer line cannot be a real message: V8 strings end at about 512 MiB. */
const MAX_LINE_BYTES = 1024 * MEBIBYTE;
/** How much of the child's stderr is kept to explain a crash. */
const STDERR_TAIL_CHARS = 8192;
/** Node's timers take at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** What every child of an environment is started with. */
export interface DenoChildSettings {
  readonly denoPath: string;
  readonly memoryLimitMb: number;
  readonly startupTimeoutMs: number;
  /** Deno's own cache (`DENO_DIR`), shared by the children of one host process. */
  readonly cacheDirectory: string;
  /** Where each child's context file is written. */
  readonly temporaryDirectory: string;
}

/** Options for one cell. */
export interface ChildCellOptions {
  readonly fileName: string;
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  readonly signal?: AbortSignal;
}

/** What one cell produced, before the session adds timing and recovery. */
export interface ChildCellOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly droppedOutputChars: number;
  readonly value?: string;
  readonly error?: CellError;
  readonly final?: FinalAnswer;
  /** Set when the process is gone (killed or died): what happened, for `stateLost`. */
  readonly broken?: string;
}

/** Why a cell was stopped from outside. */
export type StopReason = 'timeout' | 'aborted';

/** Why the host killed the process, if it did. */
type KillReason = 'stopped' | 'memory' | 'protocol' | 'startup' | 'disposed';

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

interface RunningCell {
  readonly id: number;
  /** Called with the child's answer, or with `undefined` when the process ended first. */
  readonly finish: (done: ChildFrame | undefined) => void;
  readonly stop: (reason: StopReason) => void;
}

interface PendingHostCall {
  /** Aborted when the call is dropped, so the host function can stop its work. */
  readonly controller: AbortController;
}

/**
 * One Deno process running `child/deno-child.js`: one sandbox with the prelude evaluated in it. It
 * runs one cell at a time, answers the host calls of the running cell, and stops a cell that overruns
 * by asking the child to let go of it, or, when synchronous code keeps the child from listening, by
 * killing the process. The session above starts a new process when this one is gone.
 */
export class DenoChildProcess {
  private readonly reader: LineReader;
  private stderrTail = '';
  private exit: ChildExit | undefined;
  private readonly exited: Promise<ChildExit>;
  private markExited!: (exit: ChildExit) => void;
  private killReason: KillReason | undefined;
  private protocolFailure: string | undefined;
  private fatalMessage: string | undefined;
  private markReady: (() => void) | undefined;
  private runningCell: RunningCell | undefined;
  private readonly pendingCalls = new Map<number, PendingHostCall>();
  private nextCellId = 1;
  /** Private memory right after start-up (Linux); a cell may add at most `memoryLimitMb` to it. */
  private memoryBaseline: number | undefined;

  private hostFunctions: Readonly<Record<string, HostFunction>> = {};
  private initializeStarted = false;
  /** Set when the process ended before it was given a context: a spare that died while it waited. */
  private exitedWhileWaiting = false;

  private constructor(
    private readonly settings: DenoChildSettings,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly contextFile: ContextFileLocation,
  ) {
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
    this.reader = new LineReader(
      (line) => this.handleLine(line),
      MAX_LINE_BYTES,
      () => this.failProtocol(`it sent a line longer than ${MAX_LINE_BYTES / MEBIBYTE} MiB`),
    );
    child.stdout.on('data', (chunk: Buffer) => this.reader.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    // Writing to a process that just died fails with EPIPE; its exit is handled on 'close'.
    child.stdin.on('error', () => {});
    child.on('error', (error) => this.onExit({ code: null, signal: null, spawnError: error }));
    child.on('close', (code, signal) => this.onExit({ code, signal }));
  }

  /**
   * Starts a process with no permission but reading the file its context will be written to. It
   * boots and waits for {@link initialize}; a spare process waits like this before a session needs it.
   */
  static async spawn(settings: DenoChildSettings): Promise<DenoChildProcess> {
    const contextFile = await reserveContextFile(settings.temporaryDirectory).catch((error: unknown) => {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: `Could not make a temporary directory in ${settings.temporaryDirectory} for the context: ${errorMessage(error)}. Set the temporaryDirectory option to a writable directory.`,
        cause: error,
      });
    });
    const { args, env } = denoRunCommand({
      readablePath: contextFile.path,
      memoryLimitMb: settings.memoryLimitMb,
      cacheDirectory: settings.cacheDirectory,
    });
    const child = spawn(settings.denoPath, args, {
      cwd: settings.cacheDirectory,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const process = new DenoChildProcess(settings, child, contextFile);
    liveChildren.add(child);
    void process.exited.then(() => {
      liveChildren.delete(child);
      // A spare that died unused leaves its empty directory behind otherwise.
      void removeTemporaryDirectory(contextFile.directory);
    });
    return process;
  }

  /**
   * Writes the context where the process may read it, evaluates the prelude with it and the host
   * functions, waits until the process is ready, and removes the file. Throws a `SandboxError`
   * saying why it could not.
   */
  async initialize(
    context: ContextValue,
    hostFunctions: Readonly<Record<string, HostFunction>>,
  ): Promise<void> {
    this.initializeStarted = true;
    this.hostFunctions = hostFunctions;
    try {
      const encoding = await writeContextFile(this.contextFile.path, context).catch((error: unknown) => {
        this.kill('startup');
        throw new SandboxError({
          environmentId: ENVIRONMENT_ID,
          message: `Could not write the context to a temporary file in ${this.settings.temporaryDirectory}: ${errorMessage(error)}. Set the temporaryDirectory option to a writable directory with room for it.`,
          cause: error,
        });
      });
      await this.waitUntilReady({
        type: 'init',
        prelude: JAVASCRIPT_PRELUDE_SOURCE,
        hostFunctionNames: Object.keys(hostFunctions),
        contextFile: this.contextFile.path,
        contextKind: encoding.kind,
        ...(encoding.separator !== undefined ? { separator: encoding.separator } : {}),
        memoryLimitMb: this.settings.memoryLimitMb,
      });
    } finally {
      // The child has read the context (or never will): nothing of it stays on disk.
      await removeTemporaryDirectory(this.contextFile.directory);
    }
  }

  private async waitUntilReady(init: Record<string, unknown>): Promise<void> {
    const ready = new Promise<void>((resolve) => {
      this.markReady = resolve;
    });
    this.send(init);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.settings.startupTimeoutMs);
    });
    const outcome = await Promise.race([ready.then(() => 'ready' as const), this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'ready') {
      this.memoryBaseline = readPrivateMemoryBytes(this.child.pid ?? -1);
      return;
    }
    if (outcome === 'timeout') {
      this.kill('startup');
      await this.exited;
    }
    throw new SandboxError({
      environmentId: ENVIRONMENT_ID,
      message: this.describeStartupFailure(outcome === 'timeout'),
      ...(this.exit?.spawnError ? { cause: this.exit.spawnError } : {}),
    });
  }

  /**
   * Whether this process keeps the host's event loop alive. A spare waiting for a session must not
   * keep a finished program from exiting; a session's process does, like any open resource.
   */
  keepHostAlive(keep: boolean) {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Array<{
      ref?: () => void;
      unref?: () => void;
    }>;
    for (const handle of handles) {
      if (keep) handle.ref?.();
      else handle.unref?.();
    }
  }

  private describeStartupFailure(timedOut: boolean): string {
    const { denoPath, startupTimeoutMs, memoryLimitMb } = this.settings;
    const spawnError = this.exit?.spawnError as NodeJS.ErrnoException | undefined;
    if (spawnError) {
      return `Could not start Deno at ${denoPath}: ${spawnError.message}. Set the denoPath option or RLM_DENO_PATH to a Deno 2.9+ binary, or reinstall @rlm/env-deno so that its @deno/* package brings one.`;
    }
    if (timedOut) {
      return `Deno at ${denoPath} did not get ready within ${startupTimeoutMs} ms. A very large context takes longer to load: raise startupTimeoutMs.${this.stderrHint()}`;
    }
    if (this.fatalMessage !== undefined) {
      return `The Deno sandbox could not be set up: ${this.fatalMessage}.`;
    }
    if (/out of memory/i.test(this.stderrTail)) {
      return `The context does not fit the Deno sandbox's memory (memoryLimitMb = ${memoryLimitMb}); raise memoryLimitMb.`;
    }
    return `Deno at ${denoPath} exited while starting (${describeExitStatus(this.exit)}). Check that it is Deno 2.9 or later.${this.stderrHint()}`;
  }

  private stderrHint(): string {
    const tail = this.stderrTail.trim();
    return tail ? ` Its last output: ${tail.slice(-600)}` : '';
  }

  private onExit(exit: ChildExit) {
    if (this.exit) return;
    this.exit = exit;
    if (!this.initializeStarted) this.exitedWhileWaiting = true;
    this.dropPendingCalls();
    this.runningCell?.finish(undefined);
    this.markExited(exit);
  }

  private send(header: Record<string, unknown>, payload?: string) {
    if (this.exit || this.child.stdin.destroyed) return;
    this.child.stdin.write(formatHostFrame(header, payload));
  }

  private handleLine(line: string) {
    let frame: ChildFrame;
    try {
      frame = parseChildFrame(line);
    } catch (error) {
      this.failProtocol(errorMessage(error));
      return;
    }
    const { message } = frame;
    switch (message.type) {
      case 'ready':
        this.markReady?.();
        return;
      case 'fatal':
        this.fatalMessage = message.message;
        return;
      case 'hostCall':
        this.startHostCall(message, frame.payload);
        return;
      case 'cellDone':
        if (this.runningCell?.id === message.id) this.runningCell.finish(frame);
        return;
    }
  }

  private failProtocol(reason: string) {
    this.protocolFailure ??= reason;
    this.kill('protocol');
  }

  private startHostCall(message: HostCallMessage, argsJson: string | undefined) {
    // Only calls of the running cell start: one made by code a finished cell left behind would
    // cost money for a result nobody reads. The prelude rejects it when the next cell begins.
    if (this.runningCell === undefined || message.cell !== this.runningCell.id) return;
    const call: PendingHostCall = { controller: new AbortController() };
    this.pendingCalls.set(message.callId, call);
    this.invokeHostFunction(message.name, argsJson, call.controller.signal).then(
      (resultJson) =>
        this.answerHostCall(
          message.callId,
          call,
          { type: 'hostResult', callId: message.callId, ok: true },
          resultJson,
        ),
      (error: unknown) =>
        this.answerHostCall(message.callId, call, {
          type: 'hostResult',
          callId: message.callId,
          ok: false,
          message: errorMessage(error),
        }),
    );
  }

  private async invokeHostFunction(
    name: string,
    argsJson: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const hostFunction = Object.hasOwn(this.hostFunctions, name) ? this.hostFunctions[name] : undefined;
    if (typeof hostFunction !== 'function') throw new Error(`There is no host function named '${name}'.`);
    const args: unknown = JSON.parse(argsJson ?? '[]');
    if (!Array.isArray(args)) throw new Error(`${name}: the arguments did not arrive as a list.`);
    const result = await hostFunction(args as JsonValue[], { signal });
    return result === undefined ? '' : (JSON.stringify(result) ?? '');
  }

  private answerHostCall(
    callId: number,
    call: PendingHostCall,
    header: Record<string, unknown>,
    payload?: string,
  ) {
    // A call dropped when its cell ended has no one left to answer.
    if (this.pendingCalls.get(callId) !== call) return;
    this.pendingCalls.delete(callId);
    this.send(header, payload);
  }

  /** Drops host calls still running: their results are ignored, and the prelude rejects them at the next cell. */
  private dropPendingCalls() {
    for (const call of this.pendingCalls.values()) {
      // Tell the host nobody will read the result, so it can stop paying for it.
      call.controller.abort(new Error('The cell that made this call ended before the call finished.'));
    }
    this.pendingCalls.clear();
  }

  /** Whether the process has ended. */
  get isGone(): boolean {
    return this.exit !== undefined;
  }

  /** Whether the process ended before {@link initialize} was called. */
  get diedBeforeInitialize(): boolean {
    return this.exitedWhileWaiting;
  }

  /** Stops the running cell, if any, as soon as possible. */
  stop(reason: StopReason) {
    this.runningCell?.stop(reason);
  }

  /** Runs one rewritten cell to the end. Never throws for the cell's own failures. */
  async runCell(cell: RewrittenJavaScriptCell, options: ChildCellOptions): Promise<ChildCellOutcome> {
    if (this.exit) return this.lostOutcome(undefined, options);
    if (options.signal?.aborted) return { ...EMPTY_OUTPUT, error: stopError('aborted', options.timeoutMs) };
    const id = this.nextCellId++;
    let stopReason: StopReason | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let finish!: (done: ChildFrame | undefined) => void;
    const finished = new Promise<ChildFrame | undefined>((resolve) => {
      finish = resolve;
    });
    const stop = (reason: StopReason) => {
      if (stopReason) return;
      stopReason = reason;
      this.send({ type: 'cancel', id });
      // A child busy in synchronous code never reads the cancel: only killing it stops the code.
      killTimer = setTimeout(() => this.kill('stopped'), STOP_GRACE_MS);
    };
    this.runningCell = { id, finish, stop };
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), Math.min(Math.max(options.timeoutMs, 0), MAX_TIMER_MS));
    const memoryWatch = this.watchMemory();
    this.send({
      type: 'cell',
      id,
      fileName: options.fileName,
      maxOutputChars: options.maxOutputChars,
      code: cell.code,
    });
    let done: ChildFrame | undefined;
    try {
      done = await finished;
    } finally {
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearInterval(memoryWatch);
      options.signal?.removeEventListener('abort', onAbort);
      this.runningCell = undefined;
      this.dropPendingCalls();
    }
    if (done === undefined) return this.lostOutcome(stopReason, options);
    const output = parseCellOutput(done.payload);
    if (output === undefined) {
      this.failProtocol('its cell output was not valid');
      return this.lostOutcome(stopReason, options);
    }
    // A buffer of untouched pages (`new ArrayBuffer(2 ** 31)`) is made in an instant, between two checks.
    if (this.isOverMemoryLimit()) {
      this.kill('memory');
      await this.exited;
      const { error, broken } = this.lostOutcome(stopReason, options);
      const { stdout, stderr, droppedOutputChars } = output;
      return {
        stdout,
        stderr,
        droppedOutputChars,
        ...(error ? { error } : {}),
        ...(broken ? { broken } : {}),
      };
    }
    const message = done.message as CellDoneMessage;
    let error: CellError | undefined;
    let value: string | undefined;
    if (stopReason) error = stopError(stopReason, options.timeoutMs);
    else if (message.outcome === 'fulfilled') value = message.value;
    else if (message.outcome === 'cancelled') error = stopError('aborted', options.timeoutMs);
    else error = describeCellError(message.error, message.outcome === 'syntax', cell, options.fileName);
    return {
      stdout: output.stdout,
      stderr: output.stderr,
      droppedOutputChars: output.droppedOutputChars,
      ...(value !== undefined ? { value } : {}),
      ...(error ? { error } : {}),
      ...(output.final ? { final: output.final } : {}),
    };
  }

  /** Kills the process when its private memory grows past the limit (Linux; elsewhere V8's heap limit only). */
  private watchMemory(): NodeJS.Timeout | undefined {
    if (this.memoryBaseline === undefined) return undefined;
    return setInterval(() => {
      if (this.isOverMemoryLimit()) this.kill('memory');
    }, MEMORY_POLL_MS);
  }

  /** Whether the process's private memory grew past `memoryLimitMb` since start-up (Linux only). */
  private isOverMemoryLimit(): boolean {
    const pid = this.child.pid;
    if (this.memoryBaseline === undefined || pid === undefined || this.exit) return false;
    const used = readPrivateMemoryBytes(pid);
    return used !== undefined && used > this.memoryBaseline + this.settings.memoryLimitMb * MEBIBYTE;
  }

  /** The outcome of a cell whose process ended before the cell did. */
  private lostOutcome(stopReason: StopReason | undefined, options: ChildCellOptions): ChildCellOutcome {
    const { memoryLimitMb } = this.settings;
    let kind: CellErrorKind = 'crash';
    let broken: string;
    if (this.killReason === 'stopped' && stopReason) {
      broken = `The cell did not let go within ${STOP_GRACE_MS} ms of being stopped (synchronous code such as a loop without \`await\` cannot be interrupted otherwise), so its Deno process was killed.`;
      return { ...EMPTY_OUTPUT, error: stopError(stopReason, options.timeoutMs), broken };
    }
    if (this.killReason === 'memory') {
      kind = 'memory';
      broken = `The Deno process grew by more than its ${memoryLimitMb} MiB limit (memoryLimitMb) and was killed.`;
    } else if (/out of memory/i.test(this.stderrTail)) {
      kind = 'memory';
      broken = `The Deno process ran out of memory (its JavaScript heap is limited to memoryLimitMb = ${memoryLimitMb} MiB) and died.`;
    } else if (this.killReason === 'protocol') {
      broken = `The Deno process broke the host protocol (${this.protocolFailure}) and was killed.`;
    } else if (this.killReason === 'disposed') {
      return {
        ...EMPTY_OUTPUT,
        error: stopError('aborted', options.timeoutMs),
        broken: 'The session was disposed.',
      };
    } else {
      broken = `The Deno process died (${describeExitStatus(this.exit)}).${this.stderrHint()}`;
    }
    const message =
      kind === 'memory'
        ? `${broken} Work on smaller pieces of the context, and drop variables you no longer need.`
        : broken;
    return { ...EMPTY_OUTPUT, error: { kind, name: 'SandboxError', message }, broken };
  }

  /** Kills the process at once (SIGKILL). Safe to call when it is already gone. */
  kill(reason: KillReason) {
    if (this.exit) return;
    this.killReason ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Kills the process and waits until it is gone. Safe to call twice. */
  async dispose(): Promise<void> {
    this.kill('disposed');
    await this.exited;
  }
}

/** Children still running; the host kills them when it exits, so none outlives it. */
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

const EMPTY_OUTPUT = { stdout: '', stderr: '', droppedOutputChars: 0 } as const;

function describeExitStatus(exit: ChildExit | undefined): string {
  if (!exit) return 'still running';
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}

function parseCellOutput(payload: string | undefined): JavaScriptPreludeCellOutput | undefined {
  if (payload === undefined) return undefined;
  let output: unknown;
  try {
    output = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof output !== 'object' || output === null) return undefined;
  const { stdout, stderr, droppedOutputChars, final } = output as Record<string, unknown>;
  if (typeof stdout !== 'string' || typeof stderr !== 'string' || typeof droppedOutputChars !== 'number') {
    return undefined;
  }
  if (final !== null && !isFinalAnswer(final)) return undefined;
  return { stdout, stderr, droppedOutputChars, final };
}

function isFinalAnswer(value: unknown): value is FinalAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const { source, value: text, variableName } = value as Record<string, unknown>;
  return (
    (source === 'FINAL' || source === 'FINAL_VAR') &&
    typeof text === 'string' &&
    (variableName === undefined || typeof variableName === 'string')
  );
}

function describeCellError(
  description: ChildErrorDescription | undefined,
  atCompile: boolean,
  cell: RewrittenJavaScriptCell,
  fileName: string,
): CellError {
  const name = description?.name ?? 'Error';
  const message = description?.message ?? 'The cell failed, and the error could not be read.';
  const stack = description?.stack || undefined;
  if (name === 'RangeError' && /Array buffer allocation failed/.test(message)) {
    return {
      kind: 'memory',
      name,
      message:
        'The sandbox could not get the memory for an ArrayBuffer. Work on smaller pieces, and drop buffers you no longer need.',
      ...(stack ? { stack } : {}),
    };
  }
  const location = stack ? findCellErrorLocation(stack, fileName, cell.firstLineColumnOffset) : undefined;
  return {
    kind: atCompile ? 'syntax' : 'runtime',
    name,
    message,
    ...(location ? { line: location.line } : {}),
    ...(location?.column !== undefined ? { column: location.column } : {}),
    ...(stack ? { stack } : {}),
  };
}

function stopError(reason: StopReason, timeoutMs: number): CellError {
  return reason === 'aborted'
    ? { kind: 'aborted', name: 'AbortError', message: 'The cell was aborted.' }
    : {
        kind: 'timeout',
        name: 'TimeoutError',
        message: `The cell ran longer than its ${timeoutMs} ms limit and was stopped. Work on smaller pieces, or make fewer calls at once.`,
      };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

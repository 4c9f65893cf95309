import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SandboxError } from '@rlm/core';
import * as kit from '@rlm/core/environment';
import {
  type CellDoneMessage,
  type ChildFrame,
  type HostCallMessage,
  MAX_HOST_CALL_CHARS_IN_FLIGHT,
  MAX_HOST_CALLS_IN_FLIGHT,
  MAX_HOST_RESULT_CHARS,
  parseChildFrame,
} from './child-protocol';
import { DENO_CHILD_PROGRAM } from './deno-child.sandbox.generated';
import { readWorkerThreadCount } from './worker-thread-count';

const ENVIRONMENT_ID = 'deno';
const MEBIBYTE = 1024 * 1024;
/** How long a stopped cell may take to hand back its output before the process is killed. */
const STOP_GRACE_MS = 500;
/** How often the memory of a process running a cell is checked (Linux only). */
const MEMORY_POLL_MS = 100;
/** How often an idle process (no cell running) is checked for threads and CPU time (Linux only). */
const IDLE_POLL_MS = 500;
/** CPU time per idle poll that counts as running code: a fifth of a core (an idle child uses none). */
const IDLE_BUSY_MS = IDLE_POLL_MS / 5;
/** Busy idle polls in a row after which the process is killed: nothing of the sandbox may run between cells. */
const IDLE_BUSY_POLLS = 4;
/** Threads Deno may add to those it started with (its runtime's pool grows as it works) before the process is killed. */
const MAX_EXTRA_THREADS = 16;
/** Payloads up to this many characters are written to the child together with their header. */
const SINGLE_WRITE_CHARS = 1024 * 1024;
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
  /**
   * The file of the program the child runs; default this package's `deno-child.sandbox.js`, written
   * to the cache directory (tests swap in a leaky copy).
   */
  readonly childScriptPath?: string;
}

/** Why the host killed the process, if it did. */
type KillReason = 'stopped' | 'memory' | 'protocol' | 'startup' | 'disposed' | 'threads' | 'idle';

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

interface RunningCell {
  readonly id: number;
  /** Called with the child's answer, or with `undefined` when the process ended first. */
  readonly finish: (done: ChildFrame | undefined) => void;
  readonly stop: (reason: kit.StopReason) => void;
}

/**
 * One Deno process running `deno-child.sandbox.js`: one sandbox with the prelude evaluated in it. It
 * runs one cell at a time, answers the host calls of the running cell, and stops a cell that overruns
 * by asking the child to let go of it, or, when synchronous code keeps the child from listening, by
 * killing the process. The session above starts a new process when this one is gone.
 */
export class DenoChildProcess implements kit.JavaScriptSandbox {
  private readonly reader: kit.LineReader;
  private stderrTail = '';
  private exit: ChildExit | undefined;
  private readonly exited: Promise<ChildExit>;
  private markExited!: (exit: ChildExit) => void;
  private killReason: KillReason | undefined;
  private protocolFailure: string | undefined;
  private fatalMessage: string | undefined;
  private markReady: (() => void) | undefined;
  private runningCell: RunningCell | undefined;
  private calls = new kit.HostCallTable({});
  private nextCellId = 1;
  /** Private memory right after start-up (Linux); a cell may add at most `memoryLimitMb` to it. */
  private memoryBaseline: number | undefined;
  /** The process's threads right after start-up (Linux); a thread more is code the sandbox cannot start. */
  private threadBaseline: number | undefined;
  /** The most threads seen without a worker among them; only more are looked at again. */
  private threadScanFloor = 0;
  private idleWatch: NodeJS.Timeout | undefined;
  private idleCpuMs: number | undefined;
  private idleBusyPolls = 0;
  private killDetail = '';
  /** The secret every line of the child starts with, and the number of the next line. */
  private readonly key = randomBytes(18).toString('base64url');
  private lineNumber = 1;
  private expectedPrefix = kit.childLinePrefix(this.key, 1);
  private ready = false;

  private initializeStarted = false;
  /** Set when the process ended before it was given a context: a spare that died while it waited. */
  private exitedWhileWaiting = false;

  private constructor(
    private readonly settings: DenoChildSettings,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly contextFile: kit.ContextFileLocation,
  ) {
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
    this.reader = new kit.LineReader((line) => this.handleLine(line), {
      maxLineBytes: kit.MAX_CHILD_LINE_BYTES,
      checkStart: (head) => head.toString('latin1').startsWith(this.expectedPrefix),
      checkStartBytes: this.expectedPrefix.length + 32,
      onFailure: (reason) => this.failProtocol(reason),
    });
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
    const contextFile = await kit.reserveContextFile({
      parent: settings.temporaryDirectory,
      environmentId: ENVIRONMENT_ID,
    });
    const scriptPath =
      settings.childScriptPath ??
      (await writeChildProgram(settings.cacheDirectory).catch((error: unknown) => {
        void kit.removeTemporaryDirectory(contextFile.directory);
        throw new SandboxError({
          environmentId: ENVIRONMENT_ID,
          message: `Could not write the Deno child program to ${settings.cacheDirectory}: ${kit.errorMessageOf(error)}. Set the temporaryDirectory option to a writable directory.`,
          cause: error,
        });
      }));
    const { args, env } = kit.denoRunCommand({
      readablePaths: [contextFile.path],
      memoryLimitMb: settings.memoryLimitMb,
      cacheDirectory: settings.cacheDirectory,
      scriptPath,
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
      void kit.removeTemporaryDirectory(contextFile.directory);
    });
    return process;
  }

  /**
   * Writes the context where the process may read it, evaluates the prelude with it and the host
   * functions, waits until the process is ready, and removes the file. Throws a `SandboxError`
   * saying why it could not.
   */
  async initialize(
    context: kit.ContextValue,
    hostFunctions: Readonly<Record<string, kit.HostFunction>>,
  ): Promise<void> {
    this.initializeStarted = true;
    this.calls = new kit.HostCallTable(hostFunctions, {
      maxCalls: MAX_HOST_CALLS_IN_FLIGHT,
      maxChars: MAX_HOST_CALL_CHARS_IN_FLIGHT,
      maxResultChars: MAX_HOST_RESULT_CHARS,
    });
    try {
      const encoding = await kit.writeContextFile(this.contextFile.path, context).catch((error: unknown) => {
        this.kill('startup');
        throw new SandboxError({
          environmentId: ENVIRONMENT_ID,
          message: `Could not write the context to a temporary file in ${this.settings.temporaryDirectory}: ${kit.errorMessageOf(error)}. Set the temporaryDirectory option to a writable directory with room for it.`,
          cause: error,
        });
      });
      await this.waitUntilReady({
        type: 'init',
        prelude: kit.JAVASCRIPT_PRELUDE_SOURCE,
        hostFunctionNames: Object.keys(hostFunctions),
        contextFile: this.contextFile.path,
        contextKind: encoding.kind,
        ...(encoding.separator !== undefined ? { separator: encoding.separator } : {}),
        memoryLimitMb: this.settings.memoryLimitMb,
        key: this.key,
        maxHostCallsInFlight: MAX_HOST_CALLS_IN_FLIGHT,
        maxHostCallCharsInFlight: MAX_HOST_CALL_CHARS_IN_FLIGHT,
        maxLineChars: kit.MAX_CHILD_LINE_CHARS,
      });
    } finally {
      // The child has read the context (or never will): nothing of it stays on disk.
      await kit.removeTemporaryDirectory(this.contextFile.directory);
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
      const status = kit.readProcessStatus(this.child.pid ?? -1);
      this.memoryBaseline = status?.privateBytes;
      this.threadBaseline = status?.threads;
      this.threadScanFloor = status?.threads ?? 0;
      this.startIdleWatch();
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
    return tail ? ` Its last output: ${this.scrubPaths(tail.slice(-600))}` : '';
  }

  /**
   * The text with the host's paths (this package's, the Deno binary's, the temporary directories)
   * replaced by neutral names: what a cell sees never tells where anything is installed.
   */
  scrubPaths(text: string): string {
    return scrubHostPaths(text, this.settings);
  }

  private onExit(exit: ChildExit) {
    if (this.exit) return;
    this.exit = exit;
    clearInterval(this.idleWatch);
    if (!this.initializeStarted) this.exitedWhileWaiting = true;
    this.calls.drop();
    this.runningCell?.finish(undefined);
    this.markExited(exit);
  }

  /** Writes one line to the child: the header, then a tab and the payload if given, without joining them. */
  private send(header: Record<string, unknown>, payload?: string) {
    if (this.exit || this.child.stdin.destroyed) return;
    const head = JSON.stringify(header);
    if (payload === undefined) {
      this.child.stdin.write(`${head}\n`);
      return;
    }
    // A small payload goes in one write; a large one is not copied into a second string first.
    if (payload.length <= SINGLE_WRITE_CHARS) {
      this.child.stdin.write(`${head}\t${payload}\n`);
      return;
    }
    this.child.stdin.write(`${head}\t`);
    this.child.stdin.write(payload);
    this.child.stdin.write('\n');
  }

  private handleLine(line: string) {
    // A line that does not start with this process's secret and the next line number was not written
    // by the child's protocol code: code that got out of the sandbox wrote it. Nothing of it is read.
    if (!line.startsWith(this.expectedPrefix)) {
      this.failProtocol(
        `it wrote a line that did not come from its protocol code, ${line.length} characters without its secret and line number`,
      );
      return;
    }
    this.lineNumber++;
    this.expectedPrefix = kit.childLinePrefix(this.key, this.lineNumber);
    let frame: ChildFrame;
    try {
      frame = parseChildFrame(line);
    } catch (error) {
      this.failProtocol(kit.errorMessageOf(error));
      return;
    }
    const { message } = frame;
    switch (message.type) {
      case 'ready':
        if (this.ready || this.markReady === undefined) {
          this.failProtocol('it said it was ready twice');
          return;
        }
        this.ready = true;
        this.markReady();
        return;
      case 'fatal':
        if (this.ready) {
          this.failProtocol('it reported a set-up failure after it was set up');
          return;
        }
        this.fatalMessage = message.message;
        return;
      case 'hostCall':
        this.startHostCall(message, frame.payload);
        return;
      case 'cellDone':
        if (this.runningCell?.id !== message.id) {
          this.failProtocol(`it reported cell ${message.id} done, which is not the cell running`);
          return;
        }
        this.runningCell.finish(frame);
        return;
    }
  }

  private failProtocol(reason: string) {
    this.protocolFailure ??= reason;
    this.kill('protocol');
  }

  private startHostCall(message: HostCallMessage, argsJson: string | undefined) {
    // The child hands over only calls of the running cell, at most MAX_HOST_CALLS_IN_FLIGHT calls and
    // MAX_HOST_CALL_CHARS_IN_FLIGHT characters of arguments at once (the prelude queues the rest
    // inside the sandbox): a line beyond that did not come from the sandbox's bridge.
    const chars = argsJson?.length ?? 0;
    if (this.runningCell === undefined || message.cell !== this.runningCell.id) {
      this.failProtocol(`it started a host call for cell ${message.cell}, which is not the cell running`);
      return;
    }
    if (this.calls.has(message.callId)) {
      this.failProtocol(`it started host call ${message.callId} twice`);
      return;
    }
    if (
      this.calls.size >= MAX_HOST_CALLS_IN_FLIGHT ||
      this.calls.charsInFlight + chars > MAX_HOST_CALL_CHARS_IN_FLIGHT
    ) {
      this.failProtocol(
        `it had more than ${MAX_HOST_CALLS_IN_FLIGHT} host calls or ${MAX_HOST_CALL_CHARS_IN_FLIGHT} characters of arguments with the host at once`,
      );
      return;
    }
    // Host functions of ended cells that ignore their abort signal still hold their arguments: the
    // host holds at most MAX_HOST_CALL_CHARS_IN_FLIGHT characters of one child's arguments at once.
    const refusal = this.calls.refusal(message.name, chars);
    if (refusal !== undefined) {
      this.answerHostCall(message.callId, { ok: false, message: refusal });
      return;
    }
    this.calls.start(message.callId, message.name, argsJson ?? '', (outcome) =>
      this.answerHostCall(message.callId, outcome),
    );
  }

  private answerHostCall(callId: number, outcome: kit.HostCallOutcome) {
    let header: Record<string, unknown> = { type: 'hostResult', callId, ok: true };
    let payload: string | undefined;
    if (outcome.ok) payload = outcome.json;
    else {
      const message =
        outcome.message.length > MAX_HOST_RESULT_CHARS
          ? `${outcome.message.slice(0, MAX_HOST_RESULT_CHARS - 100)} … [the message was cut]`
          : outcome.message;
      header = { type: 'hostResult', callId, ok: false, message };
    }
    try {
      this.send(header, payload);
    } catch (error) {
      this.failProtocol(`the host could not send it a result (${kit.errorMessageOf(error)})`);
    }
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
  stop(reason: kit.StopReason) {
    this.runningCell?.stop(reason);
  }

  /** Runs one rewritten cell to the end. Never throws for the cell's own failures. */
  async runCell(
    cell: kit.RewrittenJavaScriptCell,
    options: kit.SandboxCellOptions,
  ): Promise<kit.SandboxCellOutcome> {
    if (this.exit) return this.lostOutcome(undefined, options);
    if (options.signal?.aborted)
      return { ...EMPTY_OUTPUT, error: kit.stopError('aborted', options.timeoutMs) };
    const id = this.nextCellId++;
    let stopReason: kit.StopReason | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let finish!: (done: ChildFrame | undefined) => void;
    const finished = new Promise<ChildFrame | undefined>((resolve) => {
      finish = resolve;
    });
    const stop = (reason: kit.StopReason) => {
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
      this.calls.drop();
    }
    if (done === undefined) return this.lostOutcome(stopReason, options);
    const output = parseCellOutput(done.payload);
    const invalid =
      output === undefined
        ? 'its cell output was not valid'
        : checkCellBounds(done.message as CellDoneMessage, output, options.maxOutputChars);
    if (output === undefined || invalid !== undefined) {
      this.failProtocol(invalid ?? 'its cell output was not valid');
      await this.exited;
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
    let error: kit.CellError | undefined;
    let value: string | undefined;
    if (stopReason) error = kit.stopError(stopReason, options.timeoutMs);
    else if (message.outcome === 'fulfilled') value = message.value;
    else if (message.outcome === 'cancelled') error = kit.stopError('aborted', options.timeoutMs);
    else {
      error = kit.describeCellError(message.error, {
        cell,
        fileName: options.fileName,
        atCompile: message.outcome === 'syntax',
        memoryOption: 'memoryLimitMb',
      });
    }
    return {
      stdout: output.stdout,
      stderr: output.stderr,
      droppedOutputChars: output.droppedOutputChars,
      ...(value !== undefined ? { value } : {}),
      ...(error ? { error } : {}),
      ...(output.final ? { final: output.final } : {}),
      ...(output.variables ? { variables: output.variables } : {}),
    };
  }

  /**
   * Kills the process when its private memory grows past the limit, or when it has more threads
   * than it started with (Linux; elsewhere V8's heap limit only).
   */
  private watchMemory(): NodeJS.Timeout | undefined {
    if (this.memoryBaseline === undefined) return undefined;
    return setInterval(() => {
      if (this.isOverMemoryLimit()) this.kill('memory');
    }, MEMORY_POLL_MS);
  }

  /**
   * Whether the process's private memory grew past `memoryLimitMb` since start-up (Linux only). A
   * thread more than at start-up (a `Worker`, which nothing in the sandbox can start) kills it too.
   */
  private isOverMemoryLimit(): boolean {
    const pid = this.child.pid;
    if (this.memoryBaseline === undefined || pid === undefined || this.exit) return false;
    const status = kit.readProcessStatus(pid);
    if (status === undefined) return false;
    this.checkThreads(status.threads);
    return status.privateBytes > this.memoryBaseline + this.settings.memoryLimitMb * MEBIBYTE;
  }

  /**
   * Deno names the thread of each `Worker` (web or `node:worker_threads`) `worker-<n>`; its own threads
   * (V8's, tokio's) come and go as it works. A worker, or a flood of threads, kills the process.
   */
  private checkThreads(threads: number) {
    const pid = this.child.pid;
    if (this.threadBaseline === undefined || pid === undefined || threads <= this.threadScanFloor) return;
    const workers = readWorkerThreadCount(pid);
    // Deno's own threads come and go: the threads are looked at again only when there are more.
    if (workers === 0) this.threadScanFloor = threads;
    if (workers > 0) {
      this.killDetail = `it started ${workers === 1 ? 'a Worker thread' : `${workers} Worker threads`}`;
      this.kill('threads');
    } else if (threads > this.threadBaseline + MAX_EXTRA_THREADS) {
      this.killDetail = `it runs ${threads} threads, ${threads - this.threadBaseline} more than it started with`;
      this.kill('threads');
    }
  }

  /**
   * Between cells nothing of the sandbox may run: every poll checks the process's threads and memory,
   * and CPU time spent while no cell runs (a loop left behind, a Worker) kills it after a few busy polls.
   * The next cell then reports it and starts a new process. Linux only; the timer never keeps the
   * host alive.
   */
  private startIdleWatch() {
    const pid = this.child.pid;
    if (pid === undefined || this.threadBaseline === undefined) return;
    this.idleWatch = setInterval(() => {
      if (this.exit) return;
      if (this.runningCell !== undefined) {
        this.idleCpuMs = undefined;
        this.idleBusyPolls = 0;
        return;
      }
      const status = kit.readProcessStatus(pid);
      if (status !== undefined) {
        this.checkThreads(status.threads);
        if (
          this.memoryBaseline !== undefined &&
          status.privateBytes > this.memoryBaseline + this.settings.memoryLimitMb * MEBIBYTE
        ) {
          this.kill('memory');
          return;
        }
      }
      const cpuMs = kit.readCpuTimeMs(pid);
      if (cpuMs === undefined) return;
      const used = this.idleCpuMs === undefined ? 0 : cpuMs - this.idleCpuMs;
      this.idleCpuMs = cpuMs;
      this.idleBusyPolls = used >= IDLE_BUSY_MS ? this.idleBusyPolls + 1 : 0;
      if (this.idleBusyPolls >= IDLE_BUSY_POLLS) {
        this.killDetail = `it kept a CPU busy for ${(IDLE_BUSY_POLLS * IDLE_POLL_MS) / 1000} s while no cell was running`;
        this.kill('idle');
      }
    }, IDLE_POLL_MS);
    this.idleWatch.unref();
  }

  /** The outcome of a cell whose process ended before the cell did. */
  private lostOutcome(
    stopReason: kit.StopReason | undefined,
    options: kit.SandboxCellOptions,
  ): kit.SandboxCellOutcome {
    const { memoryLimitMb } = this.settings;
    let kind: kit.CellErrorKind = 'crash';
    let broken: string;
    if (this.killReason === 'stopped' && stopReason) {
      broken = `The cell did not let go within ${STOP_GRACE_MS} ms of being stopped (synchronous code such as a loop without \`await\` cannot be interrupted otherwise), so its Deno process was killed.`;
      return { ...EMPTY_OUTPUT, error: kit.stopError(stopReason, options.timeoutMs), broken };
    }
    if (this.killReason === 'memory') {
      kind = 'memory';
      broken = `The Deno process grew by more than its ${memoryLimitMb} MiB limit (memoryLimitMb) and was killed.`;
    } else if (/out of memory/i.test(this.stderrTail)) {
      kind = 'memory';
      broken = `The Deno process ran out of memory (its JavaScript heap is limited to memoryLimitMb = ${memoryLimitMb} MiB) and died.`;
    } else if (this.killReason === 'protocol') {
      broken = `The Deno process broke the host protocol (${this.protocolFailure}) and was killed. Code that got out of the sandbox, or a broken Deno, does that; the session goes on in a new process.`;
    } else if (this.killReason === 'threads' || this.killReason === 'idle') {
      broken = `The Deno process ran code outside any cell (${this.killDetail}), which nothing in the sandbox can do, and was killed.`;
    } else if (this.killReason === 'disposed') {
      return {
        ...EMPTY_OUTPUT,
        error: kit.stopError('aborted', options.timeoutMs),
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

/**
 * Whether a cell's reported output keeps the bounds the child guarantees (the prelude caps output
 * inside the sandbox; the child cuts value and error texts): a report past them was not written by
 * the child's own code. Returns what is wrong, or `undefined`.
 */
function checkCellBounds(
  message: CellDoneMessage,
  output: kit.JavaScriptPreludeCellOutput,
  maxOutputChars: number,
): string | undefined {
  const limit = Math.max(maxOutputChars, MIN_TEXT_CHARS);
  if (output.stdout.length + output.stderr.length > maxOutputChars) {
    return `it reported ${output.stdout.length + output.stderr.length} characters of output for a cell capped at ${maxOutputChars}`;
  }
  if (!Number.isSafeInteger(output.droppedOutputChars) || output.droppedOutputChars < 0) {
    return 'it reported a count of dropped output that is not a count';
  }
  const texts = [message.value, message.error?.name, message.error?.message, message.error?.stack];
  if (texts.some((text) => text !== undefined && text.length > limit)) {
    return `it reported a value or error text longer than ${limit} characters`;
  }
  return undefined;
}

/** What the child keeps of a value, error name, message or stack at the least, whatever the output cap. */
const MIN_TEXT_CHARS = 1000;

/** The name of the child program's file, and the name stack traces give it (see the program). */
const CHILD_PROGRAM_FILE_NAME = 'rlm-deno-child.js';

/** Where the child program is written in a cache directory. */
export function childProgramPath(cacheDirectory: string): string {
  return join(cacheDirectory, CHILD_PROGRAM_FILE_NAME);
}

/** The child program's file in each cache directory, written once per host process. */
const writtenPrograms = new Map<string, Promise<string>>();

/**
 * Writes this package's child program (`deno-child.sandbox.js`, embedded at build time) into Deno's
 * cache directory of this host process, once, and returns its path. The children run it from there:
 * the package ships no file it has to find at run time, and a child reads nothing but its context
 * (Deno loads the main module without a read permission).
 */
function writeChildProgram(cacheDirectory: string): Promise<string> {
  let written = writtenPrograms.get(cacheDirectory);
  if (written === undefined) {
    const path = childProgramPath(cacheDirectory);
    written = writeFile(path, DENO_CHILD_PROGRAM).then(() => path);
    // A failure is not remembered: the next start tries again.
    written.catch(() => writtenPrograms.delete(cacheDirectory));
    writtenPrograms.set(cacheDirectory, written);
  }
  return written;
}

/** Where this package is installed (`src/` or `dist/` is one level down). */
const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');

/**
 * `text` with the host's paths replaced by neutral names: the child program's file (as a path and as
 * a file URL), this package's directory, the Deno binary, Deno's cache directory and the temporary
 * directory.
 */
export function scrubHostPaths(
  text: string,
  settings: Pick<DenoChildSettings, 'denoPath' | 'cacheDirectory' | 'temporaryDirectory'>,
): string {
  const programPath = settings.cacheDirectory ? childProgramPath(settings.cacheDirectory) : '';
  const replacements: [string, string][] = [
    [programPath ? pathToFileURL(programPath).href : '', CHILD_PROGRAM_FILE_NAME],
    [programPath, CHILD_PROGRAM_FILE_NAME],
    [PACKAGE_DIRECTORY, '<@rlm/env-deno>'],
    [settings.denoPath, '<deno>'],
    [settings.cacheDirectory, '<deno cache>'],
    [settings.temporaryDirectory, '<temporary directory>'],
  ];
  let scrubbed = text;
  for (const [path, name] of replacements) {
    if (path.length > 1) scrubbed = scrubbed.split(path).join(name);
  }
  return scrubbed;
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

function parseCellOutput(payload: string | undefined): kit.JavaScriptPreludeCellOutput | undefined {
  if (payload === undefined) return undefined;
  let output: unknown;
  try {
    output = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof output !== 'object' || output === null) return undefined;
  const { stdout, stderr, droppedOutputChars, final, variables } = output as Record<string, unknown>;
  if (typeof stdout !== 'string' || typeof stderr !== 'string' || typeof droppedOutputChars !== 'number') {
    return undefined;
  }
  if (final !== null && !isFinalAnswer(final)) return undefined;
  // Variables the child reports out of bounds are left out (checked like its other texts).
  return { stdout, stderr, droppedOutputChars, final, ...kit.cellVariablesField(variables) };
}

function isFinalAnswer(value: unknown): value is kit.FinalAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const { source, value: text, variableName } = value as Record<string, unknown>;
  return (
    (source === 'FINAL' || source === 'FINAL_VAR') &&
    typeof text === 'string' &&
    (variableName === undefined || typeof variableName === 'string')
  );
}

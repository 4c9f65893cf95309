import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ContextValue, HostFunction } from '@rlm/core';
import { SandboxError } from '@rlm/core';
import * as kit from '@rlm/core/environment';
import {
  type CellOutput,
  type ChildFrame,
  MAX_HOST_CALL_CHARS_IN_FLIGHT,
  MAX_HOST_CALLS_IN_FLIGHT,
  parseCellOutput,
  parseChildFrame,
} from './child-protocol';
import { PYTHON_REPL_PROGRAM } from './python-repl.sandbox.generated';

const ENVIRONMENT_ID = 'pyodide';
/** How long a stopped cell may take to hand back its output before the process is killed. */
const STOP_GRACE_MS = 500;
/** How often the memory of a process running a cell is checked (Linux only). */
const MEMORY_POLL_MS = 100;
/**
 * Private memory a cell may add past what the process held once its context was loaded, beyond
 * `memoryLimitMb`: Python's heap alone is held to `memoryLimitMb` by WebAssembly's page limit (a
 * `MemoryError` inside Python), and V8's own heap grows around it; what this watch catches is memory
 * neither limit covers (`ArrayBuffer`s made through the realm behind the interpreter).
 */
const MEMORY_HEADROOM_MB = 256;
/** How often an idle process (no cell running) is checked for CPU time (Linux only). */
const IDLE_POLL_MS = 500;
/** CPU time per idle poll that counts as running code: a fifth of a core. */
const IDLE_BUSY_MS = IDLE_POLL_MS / 5;
/** Busy idle polls in a row after which the process is killed: nothing may run between cells. */
const IDLE_BUSY_POLLS = 4;
/** How much of the child's stderr is kept to explain a crash. */
const STDERR_TAIL_CHARS = 8192;
/** Node's timers take at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** What every child of an environment is started with. */
export interface PyodideChildSettings {
  readonly denoPath: string;
  readonly memoryLimitMb: number;
  readonly startupTimeoutMs: number;
  /** Deno's cache directory and the child's working directory; the child program is written there. */
  readonly cacheDirectory: string;
  /** The child program's file, in {@link cacheDirectory}. */
  readonly scriptPath: string;
  /** Pyodide's folder (with `pyodide.mjs`, the WebAssembly module and the standard library). */
  readonly pyodideDirectory: string;
  /** A loaded-state snapshot to start from, when one was made. */
  readonly snapshotPath?: string;
  /** Where each child's context file is written. */
  readonly temporaryDirectory: string;
}

type KillReason = 'stopped' | 'protocol' | 'startup' | 'disposed' | 'idle' | 'memory';

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

/** What one cell produced (a `CellResult` before the session adds its duration and `stateLost`). */
export interface ProcessCellOutcome extends Omit<kit.SandboxCellOutcome, never> {}

/** What a cell is run with. */
export interface ProcessCellOptions {
  readonly fileName: string;
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  readonly signal?: AbortSignal;
}

interface RunningCell {
  readonly id: number;
  readonly finish: (done: ChildFrame | undefined) => void;
  readonly stop: (reason: kit.StopReason) => void;
}

/** Deno processes alive right now: killed when the host exits, so none outlives it. */
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/**
 * One Deno process running `pyodide-child.sandbox.js`: one Python interpreter for one session. It
 * boots (a spare boots before any session needs it), takes the session's context, runs one cell at a
 * time, answers the host calls of the running cell, and stops a cell that overruns by asking the
 * child to cancel it or, when Python code keeps the child busy, by killing the process. The session
 * above starts a new process when this one is gone.
 */
export class PyodideProcess {
  private readonly reader: kit.LineReader;
  private stderrTail = '';
  private exit: ChildExit | undefined;
  private readonly exited: Promise<ChildExit>;
  private markExited!: (exit: ChildExit) => void;
  private killReason: KillReason | undefined;
  private protocolFailure: string | undefined;
  private fatalMessage: string | undefined;
  private waiting:
    | { readonly type: string; readonly settle: (frame: ChildFrame | undefined) => void }
    | undefined;
  private runningCell: RunningCell | undefined;
  private calls = new kit.HostCallTable({});
  private nextCellId = 1;
  private idleWatch: NodeJS.Timeout | undefined;
  private memoryWatch: NodeJS.Timeout | undefined;
  /** Private memory once the context was loaded (Linux). */
  private memoryBaseline: number | undefined;
  private idleCpuMs: number | undefined;
  private idleBusyPolls = 0;
  private readonly key = randomBytes(18).toString('base64url');
  private lineNumber = 1;
  private expectedPrefix = kit.childLinePrefix(this.key, 1);
  private initialized = false;
  private readonly bootedPromise: Promise<void>;

  private constructor(
    private readonly settings: PyodideChildSettings,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly contextFile: kit.ContextFileLocation | undefined,
    mode: 'session' | 'snapshot',
    snapshotTarget: string | undefined,
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
    child.stdin.on('error', () => {});
    child.on('error', (error) => this.onExit({ code: null, signal: null, spawnError: error }));
    child.on('close', (code, signal) => this.onExit({ code, signal }));
    this.bootedPromise = this.expect(
      mode === 'snapshot' ? 'snapshot' : 'booted',
      settings.startupTimeoutMs,
    ).then(() => undefined);
    // Seen by whoever awaits `booted()`; a spare nobody takes must not be an unhandled rejection.
    this.bootedPromise.catch(() => {});
    this.write({
      type: 'boot',
      key: this.key,
      indexURL: join(settings.pyodideDirectory, sep),
      moduleUrl: pathToFileURL(join(settings.pyodideDirectory, 'pyodide.mjs')).href,
      ...(mode === 'snapshot' ? { makeSnapshotPath: snapshotTarget } : {}),
      ...(mode === 'session' && settings.snapshotPath !== undefined
        ? { snapshotPath: settings.snapshotPath }
        : {}),
      runtime: PYTHON_REPL_PROGRAM,
      maxLineChars: kit.MAX_CHILD_LINE_CHARS,
    });
  }

  /**
   * Starts a process that may read Pyodide's files, the snapshot and its own (not yet written)
   * context file, nothing else, and boots the interpreter in it (see {@link booted}).
   */
  static async spawn(settings: PyodideChildSettings): Promise<PyodideProcess> {
    const contextFile = await kit.reserveContextFile({
      parent: settings.temporaryDirectory,
      environmentId: ENVIRONMENT_ID,
    });
    const readable = [settings.pyodideDirectory, contextFile.path];
    if (settings.snapshotPath !== undefined) readable.push(settings.snapshotPath);
    const child = PyodideProcess.start(settings, readable, undefined);
    const started = new PyodideProcess(settings, child, contextFile, 'session', undefined);
    void started.exited.then(() => kit.removeTemporaryDirectory(contextFile.directory));
    return started;
  }

  /**
   * Boots an interpreter that runs no model code, writes its loaded state to `target` (the only file
   * it may write) and exits. Resolves once the snapshot is written.
   */
  static async makeSnapshot(settings: PyodideChildSettings, target: string): Promise<void> {
    const child = PyodideProcess.start(settings, [settings.pyodideDirectory], target);
    const maker = new PyodideProcess(settings, child, undefined, 'snapshot', target);
    try {
      await maker.booted();
    } finally {
      await maker.dispose();
    }
  }

  private static start(
    settings: PyodideChildSettings,
    readablePaths: string[],
    writablePath: string | undefined,
  ): ChildProcessWithoutNullStreams {
    installExitHook();
    const { args, env } = kit.denoRunCommand({
      readablePaths,
      ...(writablePath !== undefined ? { writablePath } : {}),
      memoryLimitMb: settings.memoryLimitMb,
      cacheDirectory: settings.cacheDirectory,
      scriptPath: settings.scriptPath,
    });
    const child = spawn(settings.denoPath, args, {
      cwd: settings.cacheDirectory,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    liveChildren.add(child);
    child.once('close', () => liveChildren.delete(child));
    return child;
  }

  /** Resolves once the interpreter is loaded; rejects with a `SandboxError` when it could not load. */
  booted(): Promise<void> {
    return this.bootedPromise;
  }

  /** Whether the process is gone (a spare that died while it waited). */
  get isGone(): boolean {
    return this.exit !== undefined || this.killReason !== undefined;
  }

  /** Lets a waiting spare not keep the host alive, and holds it again once a session takes it. */
  keepHostAlive(keep: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[];
    for (const handle of handles) (keep ? handle.ref : handle.unref)?.call(handle);
  }

  /**
   * Writes the context where the process may read it, binds it in Python with the host functions,
   * waits until it is ready, and removes the file. Throws a `SandboxError` saying why it could not.
   */
  async initialize(
    context: ContextValue,
    hostFunctions: Readonly<Record<string, HostFunction>>,
  ): Promise<void> {
    if (this.initialized || this.contextFile === undefined) throw new Error('initialize runs once');
    this.initialized = true;
    await this.booted();
    this.calls = new kit.HostCallTable(hostFunctions, {
      maxCalls: MAX_HOST_CALLS_IN_FLIGHT,
      maxChars: MAX_HOST_CALL_CHARS_IN_FLIGHT,
      maxResultChars: MAX_HOST_CALL_CHARS_IN_FLIGHT,
    });
    let encoding: Awaited<ReturnType<typeof kit.writeContextFile>>;
    try {
      encoding = await kit.writeContextFile(this.contextFile.path, context);
    } catch (error) {
      await this.dispose();
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: `Could not write the context for the Pyodide process: ${kit.errorMessageOf(error)}.`,
        cause: error,
      });
    }
    const ready = this.expect('ready', this.settings.startupTimeoutMs);
    this.write({
      type: 'init',
      contextFile: this.contextFile.path,
      contextKind: encoding.kind,
      ...(encoding.separator !== undefined ? { separator: encoding.separator } : {}),
      hostFunctionNames: Object.keys(hostFunctions),
      maxHostCallsInFlight: MAX_HOST_CALLS_IN_FLIGHT,
      maxHostCallCharsInFlight: MAX_HOST_CALL_CHARS_IN_FLIGHT,
    });
    try {
      await ready;
    } finally {
      void kit.removeTemporaryDirectory(this.contextFile.directory);
    }
    if (this.child.pid !== undefined)
      this.memoryBaseline = kit.readProcessStatus(this.child.pid)?.privateBytes;
    this.startIdleWatch();
  }

  /** Binds `value` to the reserved name `name`; returns why it failed, or `undefined`. */
  async bind(name: string, value: ContextValue): Promise<string | undefined> {
    const json = JSON.stringify(value);
    if (json.length > kit.MAX_CHILD_LINE_CHARS - 1024) {
      return `the value is ${json.length} characters of JSON, more than the ${kit.MAX_CHILD_LINE_CHARS - 1024} one message carries`;
    }
    const bound = this.expect('bound', this.settings.startupTimeoutMs);
    this.write({ type: 'bind', name }, json);
    try {
      const frame = await bound;
      const message = frame.message as { ok: boolean; message?: string };
      return message.ok ? undefined : (message.message ?? 'the value could not be bound');
    } catch (error) {
      return kit.errorMessageOf(error);
    }
  }

  /**
   * Runs one cell. Never throws for the cell's own failures; a failure of the process is an outcome
   * with `broken` set.
   */
  runCell(code: string, options: ProcessCellOptions): Promise<ProcessCellOutcome> {
    if (this.isGone) return Promise.resolve(this.brokenOutcome());
    const id = this.nextCellId++;
    this.stopIdleWatch();
    return new Promise<ProcessCellOutcome>((resolve) => {
      let stopReason: kit.StopReason | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => stop('timeout'), Math.min(options.timeoutMs, MAX_TIMER_MS));
      const onAbort = () => stop('aborted');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const stop = (reason: kit.StopReason) => {
        if (stopReason !== undefined) return;
        stopReason = reason;
        this.write({ type: 'cancel', id });
        // Python code that never yields keeps the child from reading the cancel: it is killed.
        killTimer = setTimeout(() => this.kill('stopped'), STOP_GRACE_MS);
      };
      const finish = (done: ChildFrame | undefined) => {
        clearTimeout(deadline);
        clearTimeout(killTimer);
        options.signal?.removeEventListener('abort', onAbort);
        this.runningCell = undefined;
        this.stopMemoryWatch();
        // Nobody will read what the cell left running: its host functions are told to stop.
        this.calls.drop();
        if (!this.isGone) this.startIdleWatch();
        resolve(this.outcomeOf(done, stopReason, options));
      };
      this.runningCell = { id, finish, stop };
      this.startMemoryWatch();
      if (options.signal?.aborted) stop('aborted');
      this.write({
        type: 'cell',
        id,
        fileName: options.fileName,
        maxOutputChars: options.maxOutputChars,
        code,
      });
    });
  }

  /** Stops the running cell, if any. */
  stop(reason: kit.StopReason): void {
    this.runningCell?.stop(reason);
  }

  private outcomeOf(
    done: ChildFrame | undefined,
    stopReason: kit.StopReason | undefined,
    options: ProcessCellOptions,
  ): ProcessCellOutcome {
    if (done === undefined) {
      const broken = this.brokenOutcome();
      if (this.killReason === 'memory') return { ...broken, error: kit.outOfMemoryError('memoryLimitMb') };
      if (stopReason !== undefined && this.killReason === 'stopped') {
        return { ...broken, error: kit.stopError(stopReason, options.timeoutMs) };
      }
      return broken;
    }
    if (done.message.type !== 'cellDone') return this.brokenOutcome();
    const message = done.message;
    let output: CellOutput;
    try {
      output = parseCellOutput(done.payload, options.maxOutputChars);
    } catch (error) {
      this.failProtocol(`its cell output broke the protocol (${kit.errorMessageOf(error)})`);
      return this.brokenOutcome();
    }
    const base = {
      stdout: output.stdout,
      stderr: output.stderr,
      droppedOutputChars: output.droppedOutputChars,
      ...(message.value !== undefined ? { value: message.value } : {}),
      ...(output.final !== null ? { final: output.final } : {}),
    };
    if (message.broken === true) {
      this.kill('stopped');
      const broken = 'The Python interpreter had a fatal error, so its process was ended.';
      return {
        ...base,
        error:
          message.outcome === 'cancelled'
            ? kit.stopError(stopReason ?? 'aborted', options.timeoutMs)
            : kit.crashError(message.error?.message ?? broken),
        broken,
      };
    }
    if (message.outcome === 'fulfilled') return base;
    if (message.outcome === 'cancelled') {
      return { ...base, error: kit.stopError(stopReason ?? 'aborted', options.timeoutMs) };
    }
    const error = message.error ?? { name: 'Error', message: 'The cell failed.', stack: '' };
    if (message.memory === true) {
      // Python's heap is full and stays so (WebAssembly memory never shrinks): a fresh interpreter.
      this.kill('stopped');
      return {
        ...base,
        error: kit.outOfMemoryError('memoryLimitMb', error.name),
        broken: 'The Python interpreter ran out of memory, so its process was ended.',
      };
    }
    return {
      ...base,
      error: {
        kind: message.outcome === 'syntax' ? 'syntax' : 'runtime',
        name: error.name,
        message: error.message,
        ...(error.line !== undefined ? { line: error.line } : {}),
        ...(error.stack ? { stack: error.stack } : {}),
      },
    };
  }

  private brokenOutcome(): ProcessCellOutcome {
    const message = this.describeEnd();
    return { stdout: '', stderr: '', droppedOutputChars: 0, error: kit.crashError(message), broken: message };
  }

  /** Why the process is gone, in a sentence the model can read (no host paths). */
  describeEnd(): string {
    switch (this.killReason) {
      case 'stopped':
        return 'The cell did not stop when asked, so its Pyodide process was ended.';
      case 'protocol':
        return `The Pyodide process broke the protocol (${this.protocolFailure ?? 'a bad line'}), so it was ended.`;
      case 'idle':
        return 'Code left running by an earlier cell kept the Pyodide process busy between cells, so it was ended.';
      case 'startup':
        return 'The Pyodide process did not start in time.';
      case 'memory':
        return `The cell used more memory than memoryLimitMb = ${this.settings.memoryLimitMb} allows, so its Pyodide process was ended.`;
      case 'disposed':
        return 'The Pyodide process was disposed.';
    }
    if (this.fatalMessage !== undefined) return `The Pyodide process could not start: ${this.fatalMessage}`;
    const exit = this.exit;
    if (exit?.spawnError) return `The Deno process could not be started (${exit.spawnError.message}).`;
    const how = exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code ?? 'unknown'}`;
    const memory = /out of memory|heap limit|OOM/i.test(this.stderrTail) ? ' It ran out of memory.' : '';
    return `The Pyodide process ended unexpectedly (${how}).${memory}`;
  }

  /** Ends the process. Safe to call twice. */
  async dispose(): Promise<void> {
    this.stopIdleWatch();
    if (this.exit === undefined) this.kill('disposed');
    this.calls.drop();
    await this.exited;
    if (this.contextFile) await kit.removeTemporaryDirectory(this.contextFile.directory);
  }

  // ---- lines ----

  private write(header: Record<string, unknown>, payload?: string) {
    if (this.exit !== undefined) return;
    const line = `${JSON.stringify(header)}${payload === undefined ? '' : `\t${payload}`}\n`;
    this.child.stdin.write(line);
  }

  /** Waits for the next message of `type`; rejects with a `SandboxError` when the process ends first. */
  private expect(type: string, timeoutMs: number): Promise<ChildFrame> {
    return new Promise<ChildFrame>((resolve, reject) => {
      const timer = setTimeout(() => this.kill('startup'), Math.min(timeoutMs, MAX_TIMER_MS));
      this.waiting = {
        type,
        settle: (frame) => {
          clearTimeout(timer);
          this.waiting = undefined;
          if (frame !== undefined) resolve(frame);
          else reject(new SandboxError({ environmentId: ENVIRONMENT_ID, message: this.describeEnd() }));
        },
      };
    });
  }

  private handleLine(line: string) {
    if (!line.startsWith(this.expectedPrefix)) {
      this.failProtocol('it wrote a line that did not come from its protocol code');
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
      case 'fatal':
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
      default:
        if (this.waiting?.type !== message.type) {
          this.failProtocol(`it sent '${message.type}' when nothing waited for it`);
          return;
        }
        this.waiting.settle(frame);
    }
  }

  private startHostCall(
    message: { callId: number; cell: number; name: string },
    argsJson: string | undefined,
  ) {
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
    const refusal = this.calls.refusal(message.name, chars);
    if (refusal !== undefined) {
      this.write({ type: 'hostResult', callId: message.callId, ok: false, message: refusal });
      return;
    }
    this.calls.start(message.callId, message.name, argsJson ?? '', (outcome) => {
      if (outcome.ok) this.write({ type: 'hostResult', callId: message.callId, ok: true }, outcome.json);
      else this.write({ type: 'hostResult', callId: message.callId, ok: false, message: outcome.message });
    });
  }

  private failProtocol(reason: string) {
    this.protocolFailure ??= reason;
    this.kill('protocol');
  }

  private kill(reason: KillReason) {
    if (this.exit !== undefined) return;
    this.killReason ??= reason;
    this.child.kill('SIGKILL');
  }

  private onExit(exit: ChildExit) {
    if (this.exit !== undefined) return;
    this.exit = exit;
    this.stopIdleWatch();
    this.stopMemoryWatch();
    this.calls.drop();
    this.waiting?.settle(undefined);
    this.runningCell?.finish(undefined);
    this.markExited(exit);
  }

  // ---- memory outside the interpreter's heap ----

  private startMemoryWatch() {
    const pid = this.child.pid;
    const baseline = this.memoryBaseline;
    if (pid === undefined || baseline === undefined || this.memoryWatch) return;
    const limit = baseline + (this.settings.memoryLimitMb + MEMORY_HEADROOM_MB) * 1024 * 1024;
    this.memoryWatch = setInterval(() => {
      const used = kit.readProcessStatus(pid)?.privateBytes;
      if (used !== undefined && used > limit) this.kill('memory');
    }, MEMORY_POLL_MS);
    this.memoryWatch.unref();
  }

  private stopMemoryWatch() {
    clearInterval(this.memoryWatch);
    this.memoryWatch = undefined;
  }

  // ---- nothing runs between cells ----

  private startIdleWatch() {
    if (process.platform !== 'linux' || this.child.pid === undefined || this.idleWatch) return;
    const pid = this.child.pid;
    this.idleCpuMs = kit.readCpuTimeMs(pid);
    this.idleBusyPolls = 0;
    this.idleWatch = setInterval(() => {
      const now = kit.readCpuTimeMs(pid);
      if (now === undefined || this.idleCpuMs === undefined) return;
      const used = now - this.idleCpuMs;
      this.idleCpuMs = now;
      this.idleBusyPolls = used >= IDLE_BUSY_MS ? this.idleBusyPolls + 1 : 0;
      if (this.idleBusyPolls >= IDLE_BUSY_POLLS) this.kill('idle');
    }, IDLE_POLL_MS);
    this.idleWatch.unref();
  }

  private stopIdleWatch() {
    clearInterval(this.idleWatch);
    this.idleWatch = undefined;
  }
}

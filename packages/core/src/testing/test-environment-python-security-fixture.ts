import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '../environment/context-value';
import type {
  CellError,
  CellResult,
  FinalAnswer,
  ReplEnvironment,
  ReplSession,
  ReplSessionOptions,
  RunCellOptions,
} from '../environment/repl-environment';

/**
 * A Python REPL with no sandbox at all, for testing the Python security suite itself, never for
 * running model code: a host `python3` process (`leaky-python-repl.py`) that inherits the host's
 * environment, files, network and right to start processes, and whose `import js` is a real Node.js
 * process with `process`, `require`, `fetch` and `import()`. Every check of the suite that guards a
 * host capability must fail against it.
 *
 * Everything else it does the way the suite expects, so that the checks that do not guard a
 * capability pass against it: persistent variables, top-level await, a last expression's `repr`,
 * reserved names restored after each cell, host functions over a line protocol on a pipe of its own,
 * `FINAL`, output captured (`os.write(1, …)` too) and capped, result texts cut to the cap, leftover
 * tasks and timers cancelled when their cell ends, a 512 MiB address-space limit reported as a memory
 * error, a cell stopped at its timeout by ending the process (process group) and starting another
 * (`stateLost`), and the same after the process died during a cell.
 *
 * With a hole (see {@link LEAKY_PYTHON_HOLES}) it gets exactly one more thing wrong, and each check
 * that declares that hole in `catches` must fail against it with a message naming the breach.
 *
 * It needs `python3` on the PATH; {@link requirePython3} says so loudly when it is missing.
 */

/** The holes the leaky REPL can have on top of its missing sandbox, each with what is wrong. */
export const LEAKY_PYTHON_HOLES = {
  bridgeInRealm:
    'host-call results pass through the JavaScript realm’s own JSON on their way into Python, so a cell that replaces the realm’s intrinsics changes what later host calls return',
  dictsAsMaps:
    'dicts in host-call arguments reach the host function as `Map`s (as Pyodide’s default `to_js` makes them), not plain JSON objects',
  protocolOnStdout:
    'the protocol shares the process’s stdout with the cell, and the host takes any line that looks like the end of a cell as the end of the cell',
  noRestore:
    'reserved names (`context`, `FINAL`, the host functions), `print` and `sys.stdout` are not restored after a cell',
  leftoversRun:
    'tasks and timers a cell leaves behind are not cancelled when it ends: they run between and during later cells',
  awaitsLeftovers: 'a cell first waits for the tasks earlier cells left behind to finish',
  memoryErrorAsRuntime: 'a `MemoryError` is reported as a runtime error, not a memory error',
  crashWithoutStateLost:
    'when the process dies during a cell (a stack overflow, `os.execv`) the REPL starts another but the result does not say state was lost, and the error is a `crash`',
  uncappedOutput: 'output is not capped: everything the cell prints is kept',
  uncappedResultTexts: 'the value, error message and stack are not cut to the output cap',
  nulEndsText: 'every text of a result ends at its first NUL character, as a C string would',
  lateStop: 'a cell is stopped 5 s after its timeout (longer than the grace the self-test gives)',
} as const;

/** The name of a hole of the leaky REPL; see {@link LEAKY_PYTHON_HOLES}. */
export type LeakyPythonHole = keyof typeof LEAKY_PYTHON_HOLES;

/** Is `name` a hole of the leaky REPL? */
export function isLeakyPythonHole(name: string): name is LeakyPythonHole {
  return Object.hasOwn(LEAKY_PYTHON_HOLES, name);
}

const DRIVER_PATH = fileURLToPath(new URL('./leaky-python-repl.py', import.meta.url));
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT_CHARS = 1_000_000;
/** How late a cell is stopped with the hole `lateStop`. The self-test gives 2.5 s of grace. */
export const LATE_STOP_MS = 5_000;

let python3Executable: string | undefined;

/**
 * The interpreter behind `python3` on the PATH. The REPL runs it directly, not through a shell shim
 * (pyenv's), which would start slower and reorder the environment it passes on. Fails with a message
 * saying what to install when `python3` cannot be run, and on systems other than Linux, where the
 * REPL's memory limit (`RLIMIT_AS`) is not enforced and its allocation bombs would take real memory.
 */
export function requirePython3(): string {
  if (python3Executable) return python3Executable;
  if (process.platform !== 'linux') {
    throw new Error(
      `The self-test of the Python security suite runs only on Linux: its leaky REPL limits memory with RLIMIT_AS, which ${process.platform} does not enforce, so its allocation bombs would take real memory. Run it on Linux (CI does).`,
    );
  }
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[0], sys.executable)'], {
    encoding: 'utf8',
  });
  const [major, executable] = (probe.stdout ?? '').trim().split(' ');
  if (probe.error || probe.status !== 0 || major !== '3' || !executable) {
    throw new Error(
      `The self-test of the Python security suite needs python3 on the PATH (it runs a deliberately leaky host Python REPL to prove every check can fail), and running it failed: ${probe.error?.message ?? (probe.stderr.trim() || `it printed ${JSON.stringify(probe.stdout)}`)}. Install Python 3 (e.g. apt-get install python3).`,
    );
  }
  python3Executable = executable;
  return executable;
}

/** Creates the leaky Python REPL, with the given holes. See the top of this file. */
export function createLeakyPythonEnvironment(holes: readonly LeakyPythonHole[] = []): ReplEnvironment {
  const has = new Set<LeakyPythonHole>(holes);
  return {
    specificationVersion: 'v1',
    environmentId: 'leaky-host-python',
    language: 'python',
    async createSession(options) {
      const session = new LeakyPythonSession(options, has);
      await session.start();
      return session;
    },
  };
}

interface RunningCell {
  readonly id: number;
  readonly maxOutputChars: number;
  readonly calls: AbortController;
  stdout: string;
  stderr: string;
  kept: number;
  dropped: number;
  finish(body: Record<string, unknown> | undefined): void;
}

/** Splits a byte stream into lines of text, joining a line's pieces once its end arrives. */
function onLines(stream: NodeJS.ReadableStream, handle: (line: string) => void): void {
  let pieces: string[] = [];
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
      pieces.push(chunk.slice(start, end));
      const line = pieces.join('');
      pieces = [];
      handle(line);
      start = end + 1;
    }
    if (start < chunk.length) pieces.push(chunk.slice(start));
  });
}

class LeakyPythonSession implements ReplSession {
  private child: ChildProcess | undefined;
  private cell: RunningCell | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextCell = 0;
  private disposed = false;
  private exited: Promise<void> = Promise.resolve();
  private onExit: (() => void) | undefined;

  constructor(
    private readonly options: ReplSessionOptions,
    private readonly holes: ReadonlySet<LeakyPythonHole>,
  ) {}

  async start(): Promise<void> {
    const child = spawn(requirePython3(), ['-u', DRIVER_PATH, [...this.holes].join(',')], {
      // The host's own environment, on purpose: nothing is hidden from it.
      env: { ...process.env, RLM_LEAKY_PYTHON_NODE: process.execPath },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // Its own process group, so that ending a session ends what its cells started too.
      detached: true,
    });
    this.child = child;
    let ready: () => void = () => {};
    let failed: (error: Error) => void = () => {};
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    let diagnostics = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      diagnostics = (diagnostics + text).slice(-4_000);
      // Writes of the cell to fd 2 that bypass sys.stderr.
      this.output(2, text);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', () => {
        if (this.child === child) this.child = undefined;
        failed(new Error(`The leaky Python REPL ended before it was ready: ${diagnostics}`));
        this.onExit?.();
        resolve();
      });
      child.on('error', (error) => {
        failed(error);
        resolve();
      });
    });
    const handle = (line: string, raw: boolean) => {
      const tab = line.indexOf('\t');
      let message: {
        type?: string;
        id?: number;
        call?: number;
        name?: string;
        stream?: number;
        text?: string;
      };
      try {
        message = JSON.parse(tab < 0 ? line : line.slice(0, tab));
      } catch {
        if (raw) this.output(1, `${line}\n`);
        return;
      }
      if (typeof message !== 'object' || message === null) {
        if (raw) this.output(1, `${line}\n`);
        return;
      }
      const body = tab < 0 ? undefined : (JSON.parse(line.slice(tab + 1)) as unknown);
      if (message.type === 'ready') ready();
      else if (message.type === 'out') this.output(message.stream === 2 ? 2 : 1, String(message.text));
      else if (message.type === 'call')
        this.call(message.call ?? 0, String(message.name), body as JsonValue[]);
      else if (message.type === 'cellDone') {
        // With the hole, any line that says a cell ended ends the running one.
        if (this.cell && (this.holes.has('protocolOnStdout') || message.id === this.cell.id))
          this.cell.finish(body as Record<string, unknown>);
      } else if (raw) this.output(1, `${line}\n`);
    };
    const protocol = this.holes.has('protocolOnStdout') ? child.stdout : child.stdio[3];
    if (protocol)
      onLines(protocol as NodeJS.ReadableStream, (line) => handle(line, protocol === child.stdout));
    if (protocol !== child.stdout && child.stdout) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => this.output(1, text));
    }
    child.stdin?.on('error', () => {});
    const { context, hostFunctions } = this.options;
    this.send({ type: 'start', context: context as JsonValue, hostFunctions: Object.keys(hostFunctions) });
    await started;
  }

  private send(message: Record<string, unknown>): void {
    this.child?.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  private output(stream: 1 | 2, text: string): void {
    const cell = this.cell;
    if (!cell) return;
    const room = this.holes.has('uncappedOutput')
      ? text.length
      : Math.max(0, cell.maxOutputChars - cell.kept);
    const kept = text.slice(0, room);
    cell.kept += kept.length;
    cell.dropped += text.length - kept.length;
    if (stream === 1) cell.stdout += kept;
    else cell.stderr += kept;
  }

  private call(id: number, name: string, args: JsonValue[]): void {
    const cell = this.cell;
    const hostFunction = this.options.hostFunctions[name];
    if (!cell || !hostFunction) {
      this.send({ type: 'result', call: id, ok: false, message: `no host function ${name} now` });
      return;
    }
    const passed = this.holes.has('dictsAsMaps') ? (toMaps(args) as JsonValue[]) : args;
    Promise.resolve()
      .then(() => hostFunction(passed, { signal: cell.calls.signal }))
      .then(
        (value) =>
          this.send({ type: 'result', call: id, ok: true, ...(value === undefined ? {} : { value }) }),
        (error: unknown) =>
          this.send({
            type: 'result',
            call: id,
            ok: false,
            message: error instanceof Error ? error.message : String(error),
          }),
      );
  }

  runCell(code: string, options: RunCellOptions = {}): Promise<CellResult> {
    if (this.disposed) return Promise.reject(new Error('This session was disposed.'));
    const next = this.queue.then(() => this.runNow(code, options));
    this.queue = next.catch(() => {});
    return next;
  }

  private async runNow(code: string, options: RunCellOptions): Promise<CellResult> {
    if (this.disposed) throw new Error('This session was disposed.');
    const startedAt = performance.now();
    const maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let finish: (body: Record<string, unknown> | undefined) => void = () => {};
    const done = new Promise<Record<string, unknown> | undefined>((resolve) => {
      finish = resolve;
    });
    const cell: RunningCell = {
      id: ++this.nextCell,
      maxOutputChars,
      calls: new AbortController(),
      stdout: '',
      stderr: '',
      kept: 0,
      dropped: 0,
      finish,
    };
    this.cell = cell;
    this.onExit = () => finish(undefined);
    if (!this.child) finish(undefined);
    this.send({ type: 'cell', id: cell.id, code });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      const lateBy = this.holes.has('lateStop') ? LATE_STOP_MS : 0;
      timer = setTimeout(() => resolve('timeout'), timeoutMs + lateBy);
    });
    const aborted = new Promise<'aborted'>((resolve) => {
      if (options.signal?.aborted) resolve('aborted');
      options.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const outcome = await Promise.race([done, timedOut, aborted]);
    clearTimeout(timer);
    cell.calls.abort();
    this.cell = undefined;
    this.onExit = undefined;
    let error: CellError | undefined;
    let stateLost: string | undefined;
    let body: Record<string, unknown> = {};
    if (outcome === 'timeout' || outcome === 'aborted') {
      await this.restart();
      error =
        outcome === 'timeout'
          ? {
              kind: 'timeout',
              name: 'TimeoutError',
              message: `The cell ran past its ${timeoutMs} ms timeout.`,
            }
          : { kind: 'aborted', name: 'AbortError', message: 'The cell was aborted.' };
      stateLost = `The Python process was ended (${outcome}) and started again: every variable is gone.`;
    } else if (outcome === undefined) {
      if (this.disposed) throw new Error('This session was disposed.');
      await this.restart();
      error = { kind: 'crash', name: 'ProcessExited', message: 'The Python process ended during the cell.' };
      if (!this.holes.has('crashWithoutStateLost'))
        stateLost = 'The Python process ended during the cell and was started again: every variable is gone.';
    } else {
      body = outcome;
      if (body.error) error = body.error as CellError;
    }
    const cap = Math.max(maxOutputChars, 1_000);
    const cut = (text: string | undefined) => {
      if (text === undefined) return undefined;
      const ended = this.holes.has('nulEndsText') ? text.split('\u0000')[0]! : text;
      return this.holes.has('uncappedResultTexts') ? ended : ended.slice(0, cap);
    };
    const value = cut(body.value as string | undefined);
    const final = body.final as FinalAnswer | undefined;
    return {
      stdout: cut(cell.stdout) ?? '',
      stderr: cut(cell.stderr) ?? '',
      droppedOutputChars: cell.dropped,
      ...(value !== undefined && !error ? { value } : {}),
      ...(error
        ? {
            error: {
              ...error,
              name: cut(error.name) ?? 'Error',
              message: cut(error.message) ?? '',
              ...(error.stack !== undefined ? { stack: cut(error.stack) } : {}),
            },
          }
        : {}),
      ...(final ? { final: { ...final, value: cut(final.value) ?? '' } } : {}),
      ...(stateLost ? { stateLost } : {}),
      durationMs: performance.now() - startedAt,
    };
  }

  /** Ends the process group (the REPL, its realm and whatever its cells started) and starts another. */
  private async restart(): Promise<void> {
    await this.stop();
    if (!this.disposed) await this.start();
  }

  private async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await this.exited;
    }
    this.child = undefined;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.onExit?.();
    await this.stop();
  }
}

/** The hole `dictsAsMaps`: every object becomes a `Map`. */
function toMaps(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.map(toMaps);
  if (value !== null && typeof value === 'object')
    return new Map(Object.entries(value).map(([key, item]) => [key, toMaps(item as JsonValue)]));
  return value;
}

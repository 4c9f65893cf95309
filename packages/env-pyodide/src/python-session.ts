import type {
  CellResult,
  ContextValue,
  HostFunction,
  ReplSession,
  ReplSessionOptions,
  RunCellOptions,
} from '@rlm/core';
import { InvalidArgumentError, SandboxError } from '@rlm/core';
import { crashError, errorMessageOf } from '@rlm/core/environment';
import type { PyodideProcess } from './pyodide-process';

/** How long `dispose` lets a stopped cell wrap up before the process is ended under it. */
const DISPOSE_GRACE_MS = 1_500;

/** Names the Python REPL defines for the model; host functions and added values join them per session. */
export const PYTHON_RESERVED_NAMES: readonly string[] = ['context', 'FINAL', 'FINAL_VAR', 'SHOW_VARS'];

/** What a session needs from its environment. */
export interface PythonSessionEngine {
  readonly defaultTimeoutMs: number;
  readonly defaultMaxOutputChars: number;
  /** Starts a process with the context and the host functions bound. */
  launch(
    context: ContextValue,
    hostFunctions: Readonly<Record<string, HostFunction>>,
  ): Promise<PyodideProcess>;
  /** Host paths out of a start failure before the model sees it. */
  scrubMessage(message: string): string;
}

/**
 * A persistent Python REPL on one Pyodide process. Cells run one at a time, in the order `runCell`
 * was called. When the process breaks (a cell that would not stop, a full heap, a crash) the session
 * starts a new one with the same `context`, host functions and added values, and says so in the
 * cell's `stateLost`.
 */
export class PythonSession implements ReplSession {
  private process: PyodideProcess | undefined;
  private cellCount = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private running: Promise<unknown> | undefined;
  private disposed = false;
  private readonly added = new Map<string, ContextValue>();
  private readonly onSessionAbort = () => {
    this.process?.stop('aborted');
    void this.dispose();
  };

  private constructor(
    private readonly engine: PythonSessionEngine,
    private readonly options: ReplSessionOptions,
  ) {}

  static async create(engine: PythonSessionEngine, options: ReplSessionOptions): Promise<PythonSession> {
    if (options.signal?.aborted) {
      throw new SandboxError({
        environmentId: 'pyodide',
        message: 'The session was not created: its signal was already aborted.',
      });
    }
    for (const name of Object.keys(options.hostFunctions)) {
      if (!isPythonIdentifier(name)) {
        throw new InvalidArgumentError({
          argument: 'hostFunctions',
          message: `The host function name ${JSON.stringify(name)} is not a Python identifier. Use letters, digits and _ only.`,
        });
      }
    }
    const session = new PythonSession(engine, options);
    session.process = await engine.launch(options.context, options.hostFunctions);
    options.signal?.addEventListener('abort', session.onSessionAbort, { once: true });
    return session;
  }

  runCell(code: string, options: RunCellOptions = {}): Promise<CellResult> {
    const result = this.queue.then(() => this.runCellNow(code, options));
    this.queue = result.catch(() => {});
    return result;
  }

  addContext(name: string, value: ContextValue): Promise<void> {
    const reserved = PYTHON_RESERVED_NAMES.includes(name) || Object.hasOwn(this.options.hostFunctions, name);
    if (typeof name !== 'string' || !isPythonIdentifier(name) || reserved || name.startsWith('_')) {
      return Promise.reject(
        new InvalidArgumentError({
          argument: 'name',
          message: `addContext cannot bind ${JSON.stringify(name)}: ${reserved ? 'the REPL reserves that name' : 'it is not a Python identifier that does not start with _'}. Pick another name, e.g. context_1.`,
        }),
      );
    }
    if (value === undefined) {
      return Promise.reject(
        new InvalidArgumentError({ argument: 'value', message: `addContext(${name}) needs a value.` }),
      );
    }
    const result = this.queue.then(async () => {
      this.refuseIfEnded();
      const previous = this.added.get(name);
      this.added.set(name, value);
      const failure =
        this.process === undefined ? await this.restart() : await this.process.bind(name, value);
      this.refuseIfEnded();
      if (failure !== undefined) {
        if (previous === undefined) this.added.delete(name);
        else this.added.set(name, previous);
        throw new SandboxError({
          environmentId: 'pyodide',
          message: `Could not add ${name} to the Python REPL: ${failure}`,
        });
      }
    });
    this.queue = result.catch(() => {});
    return result;
  }

  private refuseIfEnded(): void {
    if (this.disposed) {
      throw new SandboxError({
        environmentId: 'pyodide',
        message: 'This pyodide session was disposed; create a new session to run more cells.',
      });
    }
  }

  private async runCellNow(code: string, options: RunCellOptions): Promise<CellResult> {
    this.refuseIfEnded();
    const startedAt = performance.now();
    const durationMs = () => Math.round((performance.now() - startedAt) * 1000) / 1000;
    if (typeof code !== 'string') {
      throw new InvalidArgumentError({
        argument: 'code',
        message: 'runCell needs the code of the cell as a string.',
      });
    }
    if (this.process === undefined) {
      const failure = await this.restart();
      this.refuseIfEnded();
      if (failure !== undefined) {
        const message = `The Pyodide process of this session is gone and could not be restarted: ${failure}`;
        return { ...emptyOutcome(message), durationMs: durationMs(), stateLost: message };
      }
    }
    const process = this.process as PyodideProcess;
    this.cellCount++;
    const running = process.runCell(code, {
      fileName: `<cell-${this.cellCount}>`,
      timeoutMs: options.timeoutMs ?? this.engine.defaultTimeoutMs,
      maxOutputChars: options.maxOutputChars ?? this.engine.defaultMaxOutputChars,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.running = running;
    const { broken, ...outcome } = await running.finally(() => {
      this.running = undefined;
    });
    if (broken === undefined) return { ...outcome, durationMs: durationMs() };
    this.process = undefined;
    await process.dispose();
    if (this.disposed)
      return { ...outcome, durationMs: durationMs(), stateLost: `${broken} The session was disposed.` };
    const failure = await this.restart();
    const stateLost =
      failure === undefined
        ? `${broken} A new Python interpreter was started: \`context\`${this.addedNote()} and the functions are back, but every variable from earlier cells is gone.`
        : `${broken} A new Python interpreter could not be started (${failure}); the next cell tries again.`;
    return { ...outcome, durationMs: durationMs(), stateLost };
  }

  private addedNote(): string {
    return this.added.size > 0 ? ` (and ${[...this.added.keys()].join(', ')})` : '';
  }

  /** Starts a new process with the context and the added values; returns why it failed. */
  private async restart(): Promise<string | undefined> {
    try {
      const process = await this.engine.launch(this.options.context, this.options.hostFunctions);
      if (this.disposed) {
        await process.dispose();
        return 'the session was disposed';
      }
      this.process = process;
      for (const [name, value] of this.added) {
        const failure = await process.bind(name, value);
        if (failure !== undefined) return failure;
      }
      return undefined;
    } catch (error) {
      return this.engine.scrubMessage(errorMessageOf(error));
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.options.signal?.removeEventListener('abort', this.onSessionAbort);
    const process = this.process;
    process?.stop('aborted');
    if (this.running) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.running.catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, DISPOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    this.process = undefined;
    await process?.dispose();
  }
}

function emptyOutcome(message: string) {
  return { stdout: '', stderr: '', droppedOutputChars: 0, error: crashError(message) };
}

const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/** An ASCII Python identifier that is not a keyword. */
export function isPythonIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name);
}

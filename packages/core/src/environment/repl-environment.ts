import type { ContextValue, JsonValue } from './context-value';

/** The languages a REPL environment can speak. The system prompt and code-fence names follow it. */
export type ReplLanguage = 'javascript' | 'python';

/**
 * The contract every REPL environment implements (`@rlm/env-quickjs`, `@rlm/env-isolated-vm`, …).
 *
 * An environment is a factory of sessions. One RLM run (and each child RLM) owns one session, which
 * holds `context` and every variable the model's code creates across turns.
 *
 * The code that runs in a session was written by a model after reading text anyone may have written:
 * an environment must treat it as hostile. No file system, network, environment variables, processes
 * or host objects may be reachable unless the user grants them. `testEnvironment` from
 * `@rlm/core/testing` checks this.
 */
export interface ReplEnvironment {
  /** The version of this contract the environment implements. Only `'v1'` exists today. */
  readonly specificationVersion: 'v1';
  /** A short id for trajectories and errors, e.g. `'quickjs'`. */
  readonly environmentId: string;
  /** The language cells are written in. */
  readonly language: ReplLanguage;
  /** Starts a fresh session with `context` and the host functions defined as globals. */
  createSession(options: ReplSessionOptions): Promise<ReplSession>;
  /**
   * Starts, ahead of the first session, what sessions need and take long to boot (a worker thread,
   * a process), so that a program that knows a session is coming (the CLI, before it has read the
   * context and loaded the model's SDK) does not wait for it then. Optional, never needed for
   * correctness; whatever it starts is released by {@link dispose} and keeps no process alive.
   */
  prepare?(): void;
  /**
   * Called while the model writes a run's first cell (the root's first model call is in flight, so
   * the host's thread is idle): a chance to do, in this thread, the one-time work the first cell
   * would otherwise wait for, such as loading and compiling a parser. Unlike {@link prepare}, which
   * runs while the program still starts, its work costs no latency. Optional; it returns at once,
   * runs nothing of the model's, changes nothing a cell can see, and never fails (what it could not
   * ready is done at the first cell).
   */
  warmUp?(): void;
  /**
   * Releases what the environment keeps between sessions (a spare process, worker threads), so that
   * nothing of it keeps the host process alive. Sessions still open are the caller's to dispose.
   * Safe to call twice; a session created afterwards starts what it needs again. Optional: an
   * environment that keeps nothing between sessions may leave it out.
   */
  dispose?(): Promise<void>;
}

/**
 * A function of the host that REPL code can call, e.g. `llm_query`. `args` are the arguments the
 * code passed; they and the result cross the sandbox boundary as JSON. Inside the REPL it is async:
 * it returns a promise that the code awaits, so several calls can be in flight at once
 * (`Promise.all`). A rejection becomes an `Error` inside the REPL carrying the same message.
 */
export type HostFunction = (
  args: readonly JsonValue[],
  options: HostCallOptions,
) => Promise<JsonValue | undefined>;

/** What an environment passes to every host call besides its arguments. */
export interface HostCallOptions {
  /**
   * Aborted when nobody will read the result any more: the cell that made the call ended without
   * awaiting it (timeout, error, or it simply moved on), or the session was disposed. Host functions
   * pass it on (to model calls, child runs) so that dropped calls stop costing money.
   */
  readonly signal: AbortSignal;
}

/** What a session is created with. */
export interface ReplSessionOptions {
  /** The value bound to the global `context`. May be 40–50 MB of text: environments must not copy it needlessly. */
  readonly context: ContextValue;
  /**
   * Functions of the host, defined as globals with these names (`llm_query`, `rlm_query`, tools, …).
   * Their names are reserved: the environment restores them after every cell.
   */
  readonly hostFunctions: Readonly<Record<string, HostFunction>>;
  /** Aborting it disposes the session and fails the running cell. */
  readonly signal?: AbortSignal;
}

/** Limits for one cell. */
export interface RunCellOptions {
  /**
   * Wall-clock limit for the cell, including the time spent after an `await`. When exceeded the
   * cell fails with a `timeout` error. Default: the environment's own (60 s for ours).
   */
  readonly timeoutMs?: number;
  /**
   * How many characters of stdout plus stderr the environment keeps; the rest is counted in
   * `droppedOutputChars`. This protects the host's memory from output floods; what the model is
   * shown is capped again, more tightly, by the loop. Default 1,000,000.
   */
  readonly maxOutputChars?: number;
  /**
   * Aborting it stops the cell with an `aborted` error within about a second, however busy its code
   * is (`while (true) {}` included); the host's event loop stays free meanwhile.
   */
  readonly signal?: AbortSignal;
}

/**
 * A running REPL with persistent state.
 *
 * Cells run one at a time, in the order `runCell` was called: a cell called while another runs
 * waits for it to end, so a later cell always sees what every earlier one left.
 */
export interface ReplSession {
  /**
   * Runs one cell of code. Top-level declarations persist to later cells, top-level `await` works,
   * and the value of a last bare expression is returned in `value`. A cell that throws leaves the
   * session usable. Never rejects for errors of the cell's code: those are in `CellResult.error`.
   * Rejects only when the session was disposed.
   */
  runCell(code: string, options?: RunCellOptions): Promise<CellResult>;
  /**
   * Binds `value` to the global `name` (`context_1`, `history`, …) while the session lives: reserved
   * like `context` (a cell that assigns it gets the value back after the cell), and bound again after
   * a restart that lost the other variables. Adding a name again replaces its value. Queued like a
   * cell. Rejects with an `InvalidArgumentError` for a name that is not an identifier or that the
   * REPL reserves (`context`, `FINAL`, `console`, the host functions, …), and with a `SandboxError`
   * when the session was disposed. A variable an earlier cell declared with that name takes the value
   * (cells' declarations cannot be deleted), without the restoring.
   * Optional: sessions (`rlm.session`) need it to add the contexts of later questions.
   */
  addContext?(name: string, value: ContextValue): Promise<void>;
  /** Releases every resource of the session. Safe to call twice. */
  dispose(): Promise<void>;
}

/** What kind of failure ended a cell. */
export type CellErrorKind =
  /** The code did not parse; nothing ran. */
  | 'syntax'
  /** The code threw (or a promise it awaited rejected). */
  | 'runtime'
  /** The cell ran past `timeoutMs`. */
  | 'timeout'
  /** The sandbox ran out of memory. */
  | 'memory'
  /** The cell was aborted through `RunCellOptions.signal` or the session's signal. */
  | 'aborted'
  /** The sandbox itself failed (crashed, died, or was lost). */
  | 'crash';

/** Why a cell failed. */
export interface CellError {
  /** What kind of failure this is. */
  readonly kind: CellErrorKind;
  /** The error's class name inside the REPL, e.g. `'TypeError'`. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** 1-based line in the cell's own source where the error arose, when known. */
  readonly line?: number;
  /** 1-based column in that line, when known. */
  readonly column?: number;
  /** The REPL-side stack trace, when available. */
  readonly stack?: string;
}

/** The answer a cell gave by calling `FINAL(value)` or `FINAL_VAR(name)`. */
export interface FinalAnswer {
  /** Which function was called. */
  readonly source: 'FINAL' | 'FINAL_VAR';
  /** The answer as text: strings as they are, other values as pretty-printed JSON. */
  readonly value: string;
  /** For `FINAL_VAR`, the variable that was read. */
  readonly variableName?: string;
  /**
   * `'json'` when the value given was not a string and `value` is its JSON (`JSON.parse(value)` gives
   * it back): a run with an answer schema validates that data. Absent for a string, and when the
   * environment does not say (the loop then also tries the text as JSON).
   */
  readonly format?: 'json';
}

/** What one cell produced. */
export interface CellResult {
  /** Everything printed with `console.log` / `console.info` / `console.debug` (Python: `print`). */
  readonly stdout: string;
  /** Everything printed with `console.error` / `console.warn`. */
  readonly stderr: string;
  /** Characters of output dropped because `maxOutputChars` was reached. */
  readonly droppedOutputChars: number;
  /** The value of the last bare expression, formatted for display, if the cell ended with one. */
  readonly value?: string;
  /** Why the cell failed, if it did. */
  readonly error?: CellError;
  /** Set when the cell called `FINAL` or `FINAL_VAR` (the last call wins). */
  readonly final?: FinalAnswer;
  /** Wall-clock time the cell took, in milliseconds. */
  readonly durationMs: number;
  /**
   * Set when the session lost its state during this cell (e.g. the sandbox had to be killed after
   * a timeout or out-of-memory), saying what happened. The session was recreated with `context`
   * and the host functions, but every variable the model made is gone. The model is told.
   */
  readonly stateLost?: string;
  /**
   * The model's variables after the cell: names, kinds and short previews (never whole values), for
   * trajectories and viewers. The loop never shows them to the model. Optional: environments that
   * cannot list them cheaply leave it out.
   */
  readonly variables?: readonly ReplVariable[];
}

/** One variable of the REPL as a trajectory records it. */
export interface ReplVariable {
  readonly name: string;
  /** Its kind and size, e.g. `'string, 82088 chars'`, `'array, 21 items'`, `'number, 42'`. */
  readonly type: string;
  /** The start of its value as code would print it, about 120 characters at most. */
  readonly preview: string;
}

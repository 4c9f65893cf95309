import type { FinalAnswer, ReplVariable } from '../environment/repl-environment';
import { JAVASCRIPT_PRELUDE_PROGRAM } from './javascript-prelude.sandbox.generated';

/**
 * The one primitive a JavaScript environment must provide to the prelude.
 *
 * `hostCall` starts the host function `name` with the JSON text of its argument list and returns a
 * promise *of the sandbox* that settles when the host answers:
 * - fulfilled with the JSON text of the result, or with `''` when the host function returned
 *   `undefined`;
 * - rejected with a value whose `message` (or which itself, when a string) is the host's message.
 *
 * Every call must start at once, without waiting for earlier calls: this is what makes
 * `await Promise.all([llm_query(a), llm_query(b)])` run both queries concurrently. The prelude calls
 * `hostCall` as a plain function (no `this`); it reads it once, at start.
 */
export interface JavaScriptPreludeBridge {
  hostCall(name: string, argsJson: string): Promise<string>;
}

/** What the environment passes to the prelude, once per session. */
export interface JavaScriptPreludeOptions {
  /** Names of the host functions to define as globals (`llm_query`, `rlm_query`, tools, …). */
  readonly hostFunctionNames: readonly string[];
  /**
   * The value of `context`, passed as it is. Environments that can share a string without copying
   * it (QuickJS) pass a string context here.
   */
  readonly context?: unknown;
  /** The JSON text of `context`; when present it wins over `context` and is parsed once, inside. */
  readonly contextJson?: string;
  /**
   * The most host calls handed to the bridge at once; later ones wait, in order, inside the sandbox
   * (where the sandbox's memory limit counts them). Default {@link DEFAULT_MAX_HOST_CALLS_IN_FLIGHT}.
   */
  readonly maxHostCallsInFlight?: number;
  /**
   * The most characters of argument JSON handed to the bridge at once: what the host may have to hold
   * of this session's calls. A call whose arguments alone are longer is refused at once with an error
   * saying so. Default {@link DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT}.
   */
  readonly maxHostCallCharsInFlight?: number;
}

/**
 * How many host calls one session hands to the host at once by default. The loop runs at most 16
 * sub-calls concurrently anyway; the rest of a `Promise.all` of thousands waits inside the sandbox, so
 * a flood of calls costs the host nothing until each one's turn comes.
 */
export const DEFAULT_MAX_HOST_CALLS_IN_FLIGHT = 32;

/**
 * How many characters of argument JSON one session hands to the host at once by default: 64 Mi, room
 * for a whole 10M-token context in one `llm_query_batched` or `rlm_query`, while a cell that starts a
 * dozen 40 MB calls makes them take turns instead of filling the host's heap.
 */
export const DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * Globals the prelude deletes before any model code runs, as `[object, property]` paths from the
 * global object. Each one lets code schedule work that runs after its cell ended, outside the cell's
 * time limit and the environment's control (finalizer callbacks, `Atomics.waitAsync` wake-ups,
 * WebAssembly's background compilation), or allocate memory no sandbox limit counts
 * (`WebAssembly.Memory`); `Atomics.wait` blocks a thread, of which a sandbox has exactly one. In
 * isolated-vm one of them (`Atomics.waitAsync` with a timeout) aborted the whole host process. Model
 * code has no use for any of them.
 */
export const JAVASCRIPT_REMOVED_GLOBALS: readonly (readonly [string, string?])[] = [
  ['WebAssembly'],
  ['FinalizationRegistry'],
  ['Atomics', 'wait'],
  ['Atomics', 'waitAsync'],
];

/** What the prelude reports about a thrown value; every field is a string, even for `throw 42`. */
export interface JavaScriptPreludeErrorDescription {
  readonly name: string;
  readonly message: string;
  /** Starts with `Name: message`, then the engine's frames (QuickJS's own stacks lack that first line). */
  readonly stack: string;
}

/** The parsed result of {@link JavaScriptPreludeControl.endCell}. */
export interface JavaScriptPreludeCellOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly droppedOutputChars: number;
  readonly final: FinalAnswer | null;
  /**
   * The model's variables after the cell (at most {@link MAX_LISTED_VARIABLES}, by name), each with
   * its kind and a preview of at most about {@link MAX_VARIABLE_PREVIEW_CHARS} characters. Absent
   * from preludes older than this field.
   */
  readonly variables?: readonly ReplVariable[];
}

/** How many variables the prelude lists after a cell (the first, by name). */
export const MAX_LISTED_VARIABLES = 100;

/** About how many characters a variable's preview (and its kind) keeps. */
export const MAX_VARIABLE_PREVIEW_CHARS = 120;

/**
 * The object the prelude returns. The environment keeps it privately (it is never a global, so model
 * code cannot reach or replace it) and calls it around every cell:
 *
 * 1. `beginCell(maxOutputChars)` before evaluating the cell: resets output and `final`, and rejects
 *    host calls a previous cell left running (their results are dropped; see below).
 * 2. evaluate the rewritten cell and wait for its promise, settling host calls as the host answers;
 * 3. `formatValue(value)` on a fulfilled cell's value, or `describeError(reason)` on a rejection;
 * 4. `endCell()`: returns the cell's output as JSON text ({@link JavaScriptPreludeCellOutput}), with
 *    the model's variables as they are now, and restores every reserved name the cell overwrote.
 *
 * 5. `dropCalls()` when the cell left host calls running or waiting: see below.
 *
 * `endCell` must be called even when the cell timed out or failed, before the next `beginCell`.
 * Nothing of an ended cell may act in a later one. From `endCell` until the next `beginCell` no cell
 * is running: output is discarded, `FINAL`/`FINAL_VAR` do nothing, and a host function returns a
 * promise that never settles without reaching the bridge (so code that re-arms itself on a failed
 * call stops instead of spinning). Host calls still running or waiting at `endCell` are dropped:
 * their results are ignored if they arrive, and `dropCalls()` rejects their promises with an error
 * saying so (marked as handled, so an unhandled-rejection hook, as in Deno, does not fire for them).
 * The environment calls `dropCalls()` right after `endCell` and then runs the sandbox's pending jobs
 * under a short deadline, so that what the cell chained on those calls runs at once, silenced,
 * instead of during the next cell. (`beginCell` also rejects leftovers, for environments that do not.)
 * Promises model code derives from them may still reject unhandled: an environment must let
 * unhandled rejections inside the sandbox pass silently, never crash on them.
 */
export interface JavaScriptPreludeControl {
  beginCell(maxOutputChars: number): void;
  /** JSON text of a {@link JavaScriptPreludeCellOutput}. */
  endCell(): string;
  /**
   * Rejects the host calls that the ended cell left running or waiting, and returns how many there
   * were. Call it after `endCell`, then run pending jobs (with a deadline) before the next cell.
   */
  dropCalls(): number;
  /** A display string for a cell's last value (strings quoted); `undefined` for `undefined`. */
  formatValue(value: unknown): string | undefined;
  describeError(error: unknown): JavaScriptPreludeErrorDescription;
}

/**
 * What the prelude's program (`javascript-prelude.sandbox.js`) is called with to make the prelude:
 * the values it shares with the host, written once, here.
 */
export interface JavaScriptPreludeConstants {
  readonly reservedNames: readonly string[];
  readonly removedGlobals: readonly (readonly [string, string?])[];
  readonly defaultMaxHostCallsInFlight: number;
  readonly defaultMaxHostCallCharsInFlight: number;
  /** {@link ADDED_VALUE_HOST_FUNCTION}: not defined as a global, only the binder calls it. */
  readonly addedValueHostFunction: string;
  /** {@link ADDED_VALUE_BINDER}. */
  readonly addedValueBinder: string;
  /** {@link MAX_LISTED_VARIABLES}. */
  readonly maxListedVariables: number;
  /** {@link MAX_VARIABLE_PREVIEW_CHARS}. */
  readonly maxVariablePreviewChars: number;
}

/**
 * The host function through which `JavaScriptSession.addContext` hands a value to the sandbox. The
 * session adds it to every sandbox's host functions; the prelude keeps it private (no global of
 * that name) and reaches it only through {@link ADDED_VALUE_BINDER}.
 */
export const ADDED_VALUE_HOST_FUNCTION = '__rlm_added_value';

/**
 * The reserved global, present when the session gives {@link ADDED_VALUE_HOST_FUNCTION}, that
 * fetches the value added under a name and binds it as a reserved global (restored after every
 * cell, like `context`). It refuses the prelude's and the host functions' names. Model code may call
 * it too: it can only fetch values the host added for the model to read.
 */
export const ADDED_VALUE_BINDER = '__rlm_bind_added';

/** The prelude's type once evaluated: call it once per session. */
export type JavaScriptPrelude = (
  bridge: JavaScriptPreludeBridge,
  options: JavaScriptPreludeOptions,
) => JavaScriptPreludeControl;

/** Globals the prelude defines besides the host functions. They and the host functions are reserved. */
export const JAVASCRIPT_RESERVED_NAMES: readonly string[] = [
  'context',
  'FINAL',
  'FINAL_VAR',
  'SHOW_VARS',
  'console',
];

/**
 * The source of the prelude every JavaScript environment evaluates inside its sandbox, so that
 * `context`, the host functions, `FINAL`, `FINAL_VAR`, `SHOW_VARS` and `console` behave the same
 * in every environment (QuickJS, isolated-vm, Deno).
 *
 * The source is one expression that evaluates to a {@link JavaScriptPrelude}: the program in
 * `javascript-prelude.sandbox.js` (embedded at build time) called with the constants above. An
 * environment:
 * 1. evaluates it at global scope in a fresh sandbox, before any model code runs, and takes the
 *    function it evaluates to;
 * 2. calls it once with a {@link JavaScriptPreludeBridge} and {@link JavaScriptPreludeOptions};
 * 3. keeps the returned {@link JavaScriptPreludeControl} privately and drives each cell with it.
 *
 * Guarantees the prelude gives, whatever model code does afterwards:
 * - It captures every intrinsic it uses (`JSON`, `Promise`, `Object`, `String` methods, …) when it
 *   starts, and never iterates with the (replaceable) iterator protocol, so overwriting globals or
 *   their prototype methods does not break it.
 * - Reserved names are non-configurable accessors on the global object. Assigning one (`context = 1`,
 *   `var FINAL = …`, `llm_query = undefined`) takes effect for the rest of the cell only; `endCell`
 *   restores the originals. They cannot be deleted or redefined. `console` is a fresh object in every
 *   cell, so replacing its methods does not outlive the cell. Mutating the context's contents (for
 *   a JSON context) is not undone.
 * - Output is capped at `maxOutputChars` (stdout plus stderr) *inside* the sandbox; the rest is only
 *   counted, so an output flood costs the host nothing.
 * - Host function wrappers are async: they JSON the arguments (trailing `undefined`s dropped), call
 *   the bridge, and parse the result; a rejection becomes an `Error` with the host's message.
 * - At most `maxHostCallsInFlight` calls and `maxHostCallCharsInFlight` characters of arguments are
 *   with the host at once; the rest wait in order inside the sandbox. A flood of calls therefore
 *   cannot flood the host's event loop or heap.
 * - The globals in {@link JAVASCRIPT_REMOVED_GLOBALS} are deleted before model code runs.
 */
export const JAVASCRIPT_PRELUDE_SOURCE: string = callProgram(JAVASCRIPT_PRELUDE_PROGRAM, {
  reservedNames: JAVASCRIPT_RESERVED_NAMES,
  removedGlobals: JAVASCRIPT_REMOVED_GLOBALS,
  defaultMaxHostCallsInFlight: DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  defaultMaxHostCallCharsInFlight: DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  addedValueHostFunction: ADDED_VALUE_HOST_FUNCTION,
  addedValueBinder: ADDED_VALUE_BINDER,
  maxListedVariables: MAX_LISTED_VARIABLES,
  maxVariablePreviewChars: MAX_VARIABLE_PREVIEW_CHARS,
} satisfies JavaScriptPreludeConstants);

/**
 * The source of a call of a sandbox program that is one function expression (the `*.sandbox.js`
 * files) with one JSON argument: `(function …)(…);` without the program's closing semicolon.
 */
function callProgram(program: string, argument: unknown): string {
  const expression = program.trimEnd().replace(/;$/, '');
  return `${expression}(${JSON.stringify(argument)})`;
}

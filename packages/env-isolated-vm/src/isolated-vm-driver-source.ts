import {
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  JAVASCRIPT_REMOVED_GLOBALS,
} from '@rlm/core/environment';
import { ISOLATED_VM_DRIVER_PROGRAM } from './isolated-vm-driver.sandbox.generated';

/** How the context value travels into the isolate (see `transferContext`). */
export type ContextTransferKind = 'value' | 'split' | 'json';

/**
 * The functions the driver returns, called by the host through isolated-vm References:
 *
 * - `run(cellId, code, maxOutputChars)`: begins the cell (the prelude's `beginCell`), evaluates the
 *   rewritten cell at global scope and returns at once; when the cell's promise settles, the value is
 *   formatted (or the error described) inside the isolate and `cellSettled(cellId)` tells the host.
 * - `settle(callId, ok, payload)`: settles a host call of the running cell with the JSON text of its
 *   result (`ok`) or the host's error message. Model code awaiting it continues inside this call.
 * - `finish()`: ends the cell (the prelude's `endCell`) and returns its outcome and output as JSON text
 *   (`{ cell: { status, value?, error? }, output }`). The text is also kept for `readFinished()`.
 * - `readFinished()`: the text the last `finish()` produced, or `''`.
 * - `beginDrain()`, then `endDrain()`, after a cell that left host calls running: the first rejects
 *   them inside (the prelude's `beginCell` with an output cap of 0), so that what the cell chained on
 *   them runs now, as the call returns, with its output discarded; the second ends that. Left for the
 *   next cell, those callbacks would run during it and print into its output.
 *
 * Host calls are refused (rejected inside, never reaching the host) whenever no cell is running, so
 * code of an ended cell cannot act, e.g. while draining. Texts leaving the isolate (the value, the
 * error's name, message and stack) are cut to `max(maxOutputChars, 1000)` characters inside, head and
 * tail kept, so a 10 MB error message costs the host nothing.
 *
 * Why the text is kept: isolated-vm fails a whole call into an isolate when model code left a promise
 * rejected without a handler during that call, replacing the call's result by that rejection. The
 * call itself ran; `readFinished` reads what it produced.
 */
export interface IsolatedVMDriverFunctions {
  run(cellId: number, code: string, maxOutputChars: number): void;
  settle(callId: number, ok: boolean, payload: string): void;
  finish(): string;
  readFinished(): string;
  beginDrain(): void;
  endDrain(): void;
}

/** The outcome of a cell as `finish()` reports it. */
export interface DriverCellOutcome {
  /** `threw`: the script failed before it returned its promise (a syntax error V8 found, or a failed declaration). */
  readonly status: 'pending' | 'fulfilled' | 'rejected' | 'threw';
  /** Host calls the cell started that were still running when it ended. */
  readonly pendingCalls: number;
  readonly value?: string;
  readonly error?: { readonly name: string; readonly message: string; readonly stack: string };
}

/**
 * What the driver's program (`isolated-vm-driver.sandbox.js`) is called with to make the driver: the
 * values it shares with the host, written once, in core.
 */
export interface IsolatedVMDriverConstants {
  /** What this isolate may have with the host at once: a backstop behind the prelude's own gate. */
  readonly maxHostCallsInFlight: number;
  readonly maxHostCallCharsInFlight: number;
  readonly removedGlobals: readonly (readonly [string, string?])[];
}

/**
 * Source of the driver: one expression (the program in `isolated-vm-driver.sandbox.js`, embedded at
 * build time, called with its constants) evaluated at global scope in a fresh isolate after
 * the prelude and before any model code, and called once with
 * `(prelude, startHostCall, cellSettled, hostFunctionNamesJson, contextKind, contextPayload, separator)`.
 *
 * - `startHostCall(cellId, callId, name, argsJson)` and `cellSettled(cellId)` are host functions
 *   passed as isolated-vm `Callback`s that are invoked asynchronously with their result ignored, so
 *   a host call never blocks the isolate and 16 of them are in flight at once.
 * - Host-call results come back through `settle`, which the host calls with the time left in the
 *   cell as isolated-vm's `timeout`. The code after an `await` runs inside that call (V8 runs the
 *   microtasks when the call returns), so the timeout stops an endless loop after an `await` too,
 *   and the isolate, with every variable, stays usable. (Resolving the promise through isolated-vm's
 *   own `apply(…, { result: { promise: true } })` would run that code with no timeout at all.)
 *
 * Cells are evaluated with an indirect `eval` captured before model code runs: global scope, sloppy
 * mode, as a classic script, and `//# sourceURL=cell-N.js` names the cell in stack traces. Every
 * intrinsic used after setup is captured first, as in the prelude.
 */
export const ISOLATED_VM_DRIVER_SOURCE: string = callProgram(ISOLATED_VM_DRIVER_PROGRAM, {
  maxHostCallsInFlight: DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  maxHostCallCharsInFlight: DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  removedGlobals: JAVASCRIPT_REMOVED_GLOBALS,
} satisfies IsolatedVMDriverConstants);

/** The source of a call of a program that is one function expression: `(function …)(argument)`. */
function callProgram(program: string, argument: unknown): string {
  const expression = program.trimEnd().replace(/;$/, '');
  return `${expression}(${JSON.stringify(argument)})`;
}

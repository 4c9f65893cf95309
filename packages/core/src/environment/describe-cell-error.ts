import { findCellErrorLocation } from '../javascript/cell-error-location';
import type { RewrittenJavaScriptCell } from '../javascript/rewrite-javascript-cell';
import type { CellError, CellErrorKind } from './repl-environment';
import type { StopReason } from './sandbox-cell';

/** A thrown value as a sandbox reads it out: the prelude's `describeError` gives exactly this. */
export interface ThrownErrorDescription {
  readonly name?: string;
  readonly message?: string;
  readonly stack?: string;
}

/** Where and how a cell's error arose, for {@link describeCellError}. */
export interface CellErrorSite {
  /** The cell as it ran: its first line is shifted by the rewrite. */
  readonly cell: RewrittenJavaScriptCell;
  /** The cell's name in stack traces (`cell-N.js`). */
  readonly fileName: string;
  /** The engine refused the code before any of it ran (a syntax error the rewrite let through). */
  readonly atCompile: boolean;
  /** The environment option that bounds a session's memory, named in the out-of-memory message. */
  readonly memoryOption: string;
}

/**
 * The messages engines give when an allocation failed: QuickJS's `InternalError: out of memory`, V8's
 * `RangeError: Array buffer allocation failed` (and `Invalid typed array length` past the heap).
 */
function isOutOfMemoryError(name: string, message: string): boolean {
  return (
    (name === 'InternalError' && message === 'out of memory') ||
    (name === 'RangeError' && /Array buffer allocation failed/.test(message))
  );
}

/** The one sentence every engine gives when model code ran out of memory. */
export function outOfMemoryMessage(memoryOption: string): string {
  return (
    `The sandbox ran out of memory (its limit is the environment option ${memoryOption}). ` +
    'Work on smaller pieces of the context, and drop variables you no longer need.'
  );
}

/** A `memory` cell error with the shared wording. */
export function outOfMemoryError(memoryOption: string, name = 'RangeError'): CellError {
  return { kind: 'memory', name, message: outOfMemoryMessage(memoryOption) };
}

/**
 * Turns what an engine read of a thrown value into the cell's error, with one wording for every
 * engine: the kind (`syntax`, `memory` or `runtime`), the message (the shared out-of-memory sentence
 * for allocation failures), and the line and column in the model's own code, found in the stack.
 */
export function describeCellError(
  thrown: ThrownErrorDescription | undefined,
  site: CellErrorSite,
): CellError {
  const name = thrown?.name || 'Error';
  const message = thrown?.message ?? 'The cell failed, and the error could not be read.';
  const stack = thrown?.stack || undefined;
  let kind: CellErrorKind = 'runtime';
  if (isOutOfMemoryError(name, message)) kind = 'memory';
  else if (site.atCompile && name === 'SyntaxError') kind = 'syntax';
  const location = stack
    ? findCellErrorLocation(stack, site.fileName, site.cell.firstLineColumnOffset)
    : undefined;
  return {
    kind,
    name,
    message: kind === 'memory' ? outOfMemoryMessage(site.memoryOption) : message,
    ...(location ? { line: location.line } : {}),
    ...(location?.column !== undefined ? { column: location.column } : {}),
    ...(stack ? { stack } : {}),
  };
}

/** The error of a cell stopped from outside: aborted by its caller, or past its deadline. */
export function stopError(reason: StopReason, timeoutMs: number): CellError {
  return reason === 'aborted'
    ? { kind: 'aborted', name: 'AbortError', message: 'The cell was aborted.' }
    : {
        kind: 'timeout',
        name: 'TimeoutError',
        message: `The cell ran longer than its ${timeoutMs} ms limit and was stopped. Work on smaller pieces, or make fewer calls at once.`,
      };
}

/** A `crash` cell error: the sandbox itself failed, in the words of `message`. */
export function crashError(message: string): CellError {
  return { kind: 'crash', name: 'SandboxError', message };
}

/** The message of anything thrown on the host side, for texts that go back into the sandbox. */
export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

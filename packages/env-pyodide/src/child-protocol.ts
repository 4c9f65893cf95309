import {
  type ChildLine,
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  parseChildLine,
} from '@rlm/core/environment';

/**
 * The messages between the host and its Pyodide child (see `pyodide-child.sandbox.js` for the whole
 * protocol), in the lines of `@rlm/core/environment`'s child line protocol: a JSON header that starts
 * with the per-process secret the host sent in `boot` and the line's number, optionally followed by a
 * tab and a JSON payload passed through unparsed.
 */

/** Host calls one session has with the host at once (Python queues the rest). */
export const MAX_HOST_CALLS_IN_FLIGHT = DEFAULT_MAX_HOST_CALLS_IN_FLIGHT;

/** Characters of argument JSON one session has with the host at once, and the most one call may carry. */
export const MAX_HOST_CALL_CHARS_IN_FLIGHT = DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT;

/** What the child reports about an exception; the line is in the cell's own code. */
export interface ChildErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
  readonly line?: number;
}

/** Every message the child sends. */
export type ChildMessage =
  | { readonly type: 'booted' }
  | { readonly type: 'snapshot' }
  | { readonly type: 'ready' }
  | { readonly type: 'bound'; readonly ok: boolean; readonly message?: string }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'hostCall'; readonly callId: number; readonly cell: number; readonly name: string }
  | {
      readonly type: 'cellDone';
      readonly id: number;
      readonly outcome: 'fulfilled' | 'rejected' | 'syntax' | 'cancelled';
      readonly value?: string;
      readonly error?: ChildErrorDescription;
      readonly memory?: boolean;
      /** The interpreter had a fatal error and runs nothing more. */
      readonly broken?: boolean;
    };

/** A parsed line: the header and the raw payload after the tab, if any. */
export type ChildFrame = ChildLine<ChildMessage>;

/** Parses one line from the child; throws a plain `Error` when it is not a message of the protocol. */
export function parseChildFrame(line: string): ChildFrame {
  return parseChildLine(line, isChildMessage);
}

function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'booted':
    case 'snapshot':
    case 'ready':
      return true;
    case 'bound':
      return (
        typeof message.ok === 'boolean' &&
        (message.message === undefined || typeof message.message === 'string')
      );
    case 'fatal':
      return typeof message.message === 'string';
    case 'hostCall':
      return (
        Number.isSafeInteger(message.callId) &&
        Number.isSafeInteger(message.cell) &&
        typeof message.name === 'string'
      );
    case 'cellDone':
      return (
        Number.isSafeInteger(message.id) &&
        ['fulfilled', 'rejected', 'syntax', 'cancelled'].includes(message.outcome as string) &&
        (message.value === undefined || typeof message.value === 'string') &&
        (message.memory === undefined || message.memory === true) &&
        (message.broken === undefined || message.broken === true) &&
        (message.error === undefined || isErrorDescription(message.error))
      );
    default:
      return false;
  }
}

function isErrorDescription(value: unknown): value is ChildErrorDescription {
  if (typeof value !== 'object' || value === null) return false;
  const { name, message, stack, line } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    typeof message === 'string' &&
    typeof stack === 'string' &&
    (line === undefined || (Number.isSafeInteger(line) && (line as number) > 0))
  );
}

/** The output of a finished cell, the payload of `cellDone`. */
export interface CellOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly droppedOutputChars: number;
  readonly final: {
    readonly source: 'FINAL' | 'FINAL_VAR';
    readonly value: string;
    readonly variableName?: string;
    readonly format?: 'json';
  } | null;
}

/**
 * Reads a `cellDone` payload. The final answer is built by Python code model code can reach, so every
 * field is checked; throws a plain `Error` when the payload breaks the protocol.
 */
export function parseCellOutput(payload: string | undefined, maxOutputChars: number): CellOutput {
  const output = JSON.parse(payload ?? '') as Record<string, unknown>;
  const { stdout, stderr, droppedOutputChars, final } = output;
  if (typeof stdout !== 'string' || typeof stderr !== 'string') throw new Error('the output is not text');
  if (stdout.length + stderr.length > maxOutputChars) throw new Error('the output is longer than the cap');
  if (!Number.isSafeInteger(droppedOutputChars) || (droppedOutputChars as number) < 0) {
    throw new Error('the count of dropped output is not a number');
  }
  if (final !== null && !isFinal(final)) throw new Error('the final answer is malformed');
  return output as unknown as CellOutput;
}

function isFinal(value: unknown): value is NonNullable<CellOutput['final']> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { source, value: text, variableName, format, ...rest } = value as Record<string, unknown>;
  return (
    (source === 'FINAL' || source === 'FINAL_VAR') &&
    typeof text === 'string' &&
    (variableName === undefined || typeof variableName === 'string') &&
    (format === undefined || format === 'json') &&
    Object.keys(rest).length === 0
  );
}

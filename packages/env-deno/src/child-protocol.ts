import {
  type ChildLine,
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  parseChildLine,
} from '@rlm/core/environment';

/**
 * The messages between the host and its Deno child (see `deno-child.sandbox.js` for the whole
 * protocol), in the lines of `@rlm/core/environment`'s child line protocol: a JSON header that starts
 * with the per-process secret the host sent in `init` and the line's number, optionally followed by a
 * tab and a JSON payload passed through unparsed.
 */

/** Host calls one session has with the host at once (the prelude queues the rest inside the sandbox). */
export const MAX_HOST_CALLS_IN_FLIGHT = DEFAULT_MAX_HOST_CALLS_IN_FLIGHT;

/** Characters of argument JSON one session has with the host at once, and the most one call may carry. */
export const MAX_HOST_CALL_CHARS_IN_FLIGHT = DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT;

/** The longest result JSON (or failure message) the host hands back to a sandbox in one answer. */
export const MAX_HOST_RESULT_CHARS = DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT;

/** What the child reports about a thrown value; every field is a string. */
export interface ChildErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

/** The child is set up and waits for cells. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** The child could not set up the sandbox and exits. */
export interface FatalMessage {
  readonly type: 'fatal';
  readonly message: string;
}

/** A cell called a host function; the payload is the JSON text of the argument list. */
export interface HostCallMessage {
  readonly type: 'hostCall';
  readonly callId: number;
  /** The cell that made the call. */
  readonly cell: number;
  readonly name: string;
}

/** A cell ended; the payload is the prelude's `endCell()` output. */
export interface CellDoneMessage {
  readonly type: 'cellDone';
  readonly id: number;
  readonly outcome: 'fulfilled' | 'rejected' | 'syntax' | 'cancelled';
  readonly value?: string;
  readonly error?: ChildErrorDescription;
}

/** Every message the child sends. */
export type ChildMessage = ReadyMessage | FatalMessage | HostCallMessage | CellDoneMessage;

/** A parsed line: the header and the raw payload after the tab, if any. */
export type ChildFrame = ChildLine<ChildMessage>;

/**
 * Parses one line from the child. Throws a plain `Error` when the line is not a message of the
 * protocol: the child then misbehaves and must be killed.
 */
export function parseChildFrame(line: string): ChildFrame {
  return parseChildLine(line, isChildMessage);
}

function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
      return true;
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
        (message.error === undefined || isErrorDescription(message.error))
      );
    default:
      return false;
  }
}

function isErrorDescription(value: unknown): value is ChildErrorDescription {
  if (typeof value !== 'object' || value === null) return false;
  const { name, message, stack } = value as Record<string, unknown>;
  return typeof name === 'string' && typeof message === 'string' && typeof stack === 'string';
}

import {
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
} from '@rlm/core/environment';

/**
 * The messages between the host and its Deno child (see `deno-child.sandbox.js` for the whole
 * protocol). A line is a JSON header, optionally followed by a tab and a JSON payload passed through
 * unparsed; JSON text never holds a raw tab or newline, so the first tab always ends the header.
 *
 * Every line from the child starts with `{"k":<key>,"n":<n>,`: the per-process secret the host sent in
 * `init` and the line's number. The host checks both before it reads anything else of a line, so a
 * line written by code that got out of the sandbox into the child's own realm ends the session.
 */

/** Host calls one session has with the host at once (the prelude queues the rest inside the sandbox). */
export const MAX_HOST_CALLS_IN_FLIGHT = DEFAULT_MAX_HOST_CALLS_IN_FLIGHT;

/** Characters of argument JSON one session has with the host at once, and the most one call may carry. */
export const MAX_HOST_CALL_CHARS_IN_FLIGHT = DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT;

/** The longest result JSON (or failure message) the host hands back to a sandbox in one answer. */
export const MAX_HOST_RESULT_CHARS = DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT;

/**
 * The longest line either side writes, in characters: one call's arguments at their cap, plus room for
 * the header. A cell whose output, value and answer need more fails inside the child with an error
 * saying so.
 */
export const MAX_LINE_CHARS = MAX_HOST_CALL_CHARS_IN_FLIGHT + 1024 * 1024;

/**
 * The longest line the host reads, in bytes: UTF-8 takes at most 3 bytes per UTF-16 code unit. A
 * longer line (or stream without a newline) ends the session; its text (at most ~195 Mi characters)
 * stays far below V8's longest string (~512 Mi characters), which the host could not even hold.
 */
export const MAX_LINE_BYTES = 3 * MAX_LINE_CHARS;

/** How every line of the child numbered `lineNumber` starts, for the process whose secret is `key`. */
export function childLinePrefix(key: string, lineNumber: number): string {
  return `{"k":${JSON.stringify(key)},"n":${lineNumber},`;
}

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
export interface ChildFrame {
  readonly message: ChildMessage;
  readonly payload: string | undefined;
}

/**
 * Parses one line from the child. Throws a plain `Error` when the line is not a message of the
 * protocol: the child then misbehaves and must be killed.
 */
export function parseChildFrame(line: string): ChildFrame {
  const tab = line.indexOf('\t');
  const header: unknown = JSON.parse(tab === -1 ? line : line.slice(0, tab));
  const payload = tab === -1 ? undefined : line.slice(tab + 1);
  if (!isChildMessage(header)) throw new Error(`not a message of the protocol: ${line.slice(0, 200)}`);
  return { message: header, payload };
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

/**
 * The messages between the host and its Deno child (see `child/deno-child.js` for the whole
 * protocol). A line is a JSON header, optionally followed by a tab and a JSON payload passed through
 * unparsed; JSON text never holds a raw tab or newline, so the first tab always ends the header.
 */

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

/** Formats a message to the child as one line: the header, then a tab and the payload if given. */
export function formatHostFrame(header: Record<string, unknown>, payload?: string): string {
  const head = JSON.stringify(header);
  return payload === undefined ? `${head}\n` : `${head}\t${payload}\n`;
}

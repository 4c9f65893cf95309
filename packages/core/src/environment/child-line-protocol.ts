import { DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT } from '../javascript/javascript-prelude';

/**
 * The framing of the lines between a host and a child process that runs a sandbox (`@rlm/env-deno`,
 * `@rlm/env-pyodide`): a line is a JSON header, optionally followed by a tab and a JSON payload
 * passed through unparsed; JSON text never holds a raw tab or newline, so the first tab always ends
 * the header. Every line from the child starts with `{"k":<key>,"n":<n>,`: a per-process secret the
 * host sent first and the line's number. The host checks both before it reads anything else of a
 * line, so a line written by code that got out of the sandbox into the child's own realm ends the
 * session. What the headers say is each environment's own.
 */

/**
 * The longest line either side writes, in characters: one host call's arguments at their cap, plus
 * room for the header. A cell whose output, value and answer need more fails inside the child with
 * an error saying so.
 */
export const MAX_CHILD_LINE_CHARS = DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT + 1024 * 1024;

/**
 * The longest line the host reads, in bytes: UTF-8 takes at most 3 bytes per UTF-16 code unit. A
 * longer line (or stream without a newline) ends the session; its text (at most ~195 Mi characters)
 * stays far below V8's longest string (~512 Mi characters), which the host could not even hold.
 */
export const MAX_CHILD_LINE_BYTES = 3 * MAX_CHILD_LINE_CHARS;

/** How every line of the child numbered `lineNumber` starts, for the process whose secret is `key`. */
export function childLinePrefix(key: string, lineNumber: number): string {
  return `{"k":${JSON.stringify(key)},"n":${lineNumber},`;
}

/** A parsed line: the header and the raw payload after the tab, if any. */
export interface ChildLine<Message> {
  readonly message: Message;
  readonly payload: string | undefined;
}

/**
 * Parses one line from the child, checking its header with `isMessage`. Throws a plain `Error` when
 * the line is not a message of the protocol: the child then misbehaves and must be killed.
 */
export function parseChildLine<Message>(
  line: string,
  isMessage: (header: unknown) => header is Message,
): ChildLine<Message> {
  const tab = line.indexOf('\t');
  const header: unknown = JSON.parse(tab === -1 ? line : line.slice(0, tab));
  const payload = tab === -1 ? undefined : line.slice(tab + 1);
  if (!isMessage(header)) throw new Error(`not a message of the protocol: ${line.slice(0, 200)}`);
  return { message: header, payload };
}

/**
 * An incremental parser of one HTTP/1.1 response, fed the bytes a socket delivers in whatever pieces
 * they come: the status line and headers, then the body by its framing (`Content-Length`, chunked
 * transfer coding, or up to the end of the connection). Pure — no sockets, no timers — so that every
 * way of cutting a response into pieces can be tested.
 *
 * Why our own: see node-http-fetch.ts. What it refuses (each one a `MalformedResponseError`): a
 * status line that is not HTTP/1.x, headers past 64 KiB, header lines without a colon or folded
 * onto the next line, conflicting `Content-Length`s, chunk sizes that are not hexadecimal, and bytes
 * missing where a chunk's CRLF belongs — the places where a lenient parser lets a response smuggle
 * another one in.
 */

/** The head of a response: what comes before its body. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Name and value pairs in the order received, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Whether the connection may carry another request once this response has ended. */
  readonly keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N`, in milliseconds, when it gave one. */
  readonly keepAliveTimeoutMs: number | undefined;
}

export interface ResponseParserEvents {
  /** The head of the final (non-1xx) response; interim 1xx responses are skipped. */
  onHead(head: ResponseHead): void;
  /** A piece of the body, framing removed (still content-encoded). Not retained by the parser. */
  onBody(chunk: Uint8Array): void;
  /** The body is complete (see `extraBytes` for anything the server sent after it). */
  onEnd(): void;
}

/** A response that does not follow HTTP/1.1's grammar. */
export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(`malformed HTTP response: ${message}`);
    this.name = 'MalformedResponseError';
  }
}

/** The most a head (status line and headers) or a chunk's trailer section may take. */
const MAX_HEAD_BYTES = 64 * 1024;
/** The most a chunk-size line (size and extensions) may take. */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d{2})(?: (.*))?$/;
const STATUS_LINE_START = 'HTTP/1.';
const HEX = /^[0-9A-Fa-f]{1,15}$/;

type State =
  | 'head'
  | 'length'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'until-close'
  | 'done';

export class Http1ResponseParser {
  private state: State = 'head';
  /** Bytes of an unfinished head or line, kept across pieces. */
  private pending: Buffer | undefined;
  /**
   * Room that `pending` grows into (it starts at this buffer's first byte while it does): a head
   * arriving in many small pieces is then copied about twice in all, not once per piece, which
   * for a 60 KB head sent a byte at a time was 400 ms of the main thread.
   */
  private room: Buffer | undefined;
  /** Bytes of body left: of the whole body (`length`) or of the current chunk (`chunk-data`). */
  private remaining = 0;
  /** Bytes of the trailer section read so far, and whether its blank line came. */
  private trailerBytes = 0;
  private trailersEnded = false;

  /**
   * @param noBody the request was HEAD: the response has no body whatever its headers say.
   */
  constructor(
    private readonly events: ResponseParserEvents,
    private readonly noBody = false,
  ) {}

  /** Whether the body runs to the end of the connection (no length, not chunked). */
  get readsUntilClose(): boolean {
    return this.state === 'until-close';
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Feeds the next bytes from the connection. Throws `MalformedResponseError`. */
  feed(bytes: Uint8Array): void {
    let data = bytes;
    while (data.length > 0 && this.state !== 'done') {
      data = this.step(data);
    }
    // Anything after the end belongs to no request we sent: the caller must not reuse the socket.
    this.extraBytes += data.length;
  }

  /** Bytes received after the response ended: a connection that has any is not reused. */
  extraBytes = 0;

  /**
   * The connection ended. Completes a body that runs until close; throws when the response was cut
   * short (the caller reports it as the connection closing early).
   */
  finish(): void {
    if (this.state === 'until-close') {
      this.state = 'done';
      this.events.onEnd();
      return;
    }
    if (this.state !== 'done') {
      throw new MalformedResponseError(
        this.state === 'head'
          ? 'the connection closed before a complete head'
          : 'the connection closed mid-body',
      );
    }
  }

  private step(data: Uint8Array): Uint8Array {
    switch (this.state) {
      case 'head':
        return this.readHead(data);
      case 'length': {
        const take = Math.min(this.remaining, data.length);
        this.remaining -= take;
        this.events.onBody(data.subarray(0, take));
        if (this.remaining === 0) return this.end(data.subarray(take));
        return data.subarray(take);
      }
      case 'until-close':
        this.events.onBody(data);
        return data.subarray(data.length);
      case 'chunk-size':
        return this.readLine(data, MAX_CHUNK_LINE_BYTES, 'a chunk size', (line) => {
          const size = trimWhiteSpace(line.split(';', 1)[0]!);
          if (!HEX.test(size)) throw new MalformedResponseError(`chunk size ${JSON.stringify(size)}`);
          this.remaining = Number.parseInt(size, 16);
          // Fifteen hex digits pass the pattern but may exceed what a double counts exactly: the
          // bytes left would then never reach zero (2^60 - 5 === 2^60), and the body would run on
          // until the connection closed. No real chunk is that big: refuse it.
          if (this.remaining > Number.MAX_SAFE_INTEGER) {
            throw new MalformedResponseError(`chunk size ${JSON.stringify(size)} too large`);
          }
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          this.trailerBytes = 0;
        });
      case 'chunk-data': {
        const take = Math.min(this.remaining, data.length);
        this.remaining -= take;
        this.events.onBody(data.subarray(0, take));
        if (this.remaining === 0) this.state = 'chunk-data-end';
        return data.subarray(take);
      }
      case 'chunk-data-end':
        return this.readLine(data, 2, "a chunk's end", (line) => {
          if (line !== '') throw new MalformedResponseError('bytes past the end of a chunk');
          this.state = 'chunk-size';
        });
      case 'trailers':
        return this.readLine(data, MAX_HEAD_BYTES, 'the trailers', (line) => {
          this.trailerBytes += line.length + 2;
          if (this.trailerBytes > MAX_HEAD_BYTES) throw new MalformedResponseError('trailers over 64 KiB');
          this.trailersEnded = line === '';
        });
      default:
        return data;
    }
  }

  /** The head, once its blank line arrived; interim (1xx) heads are skipped. */
  private readHead(data: Uint8Array): Uint8Array {
    const buffer = this.join(data);
    const end = buffer.indexOf('\r\n\r\n', Math.max(0, (this.pending?.length ?? 0) - 3), 'latin1');
    if (end < 0) {
      if (buffer.length > MAX_HEAD_BYTES) throw new MalformedResponseError('headers over 64 KiB');
      // Bytes that cannot begin a status line fail now, not when 64 KiB or the connection's end
      // came: a server that is not speaking HTTP/1.x, or a 1xx answer followed by a body it may
      // not have, would otherwise leave the call waiting.
      const start = buffer.toString('latin1', 0, Math.min(buffer.length, STATUS_LINE_START.length));
      if (!STATUS_LINE_START.startsWith(start)) {
        throw new MalformedResponseError(`status line ${JSON.stringify(start)}`);
      }
      this.pending = buffer;
      return data.subarray(data.length);
    }
    if (end > MAX_HEAD_BYTES) throw new MalformedResponseError('headers over 64 KiB');
    this.pending = undefined;
    const rest = buffer.subarray(end + 4);
    const lines = buffer.toString('latin1', 0, end).split('\r\n');
    const status = STATUS_LINE.exec(lines[0]!);
    if (!status) throw new MalformedResponseError(`status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const minor = Number(status[1]);
    const code = Number(status[2]);
    const headers: Array<readonly [string, string]> = [];
    let lengths: string[] = [];
    let transferEncoding: string | undefined;
    let connection = '';
    let keepAliveTimeoutMs: number | undefined;
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!;
      const colon = line.indexOf(':');
      // No name, or white space before the colon or at the start (obsolete line folding): a lenient
      // reading of either lets one response pass for another. Other bad characters in a name are
      // refused where the headers are used (`Headers` checks names).
      const first = line.charCodeAt(0);
      const beforeColon = line.charCodeAt(colon - 1);
      if (colon <= 0 || first === 32 || first === 9 || beforeColon === 32 || beforeColon === 9) {
        throw new MalformedResponseError(`header line ${JSON.stringify(line.slice(0, 80))}`);
      }
      const name = line.slice(0, colon);
      const value = trimWhiteSpace(line.slice(colon + 1));
      headers.push([name, value]);
      // Only four names matter to the framing: compare the lengths first, lower-case only those.
      const length = name.length;
      if (length !== 14 && length !== 17 && length !== 10) continue;
      const lower = name.toLowerCase();
      if (lower === 'content-length') lengths = lengths.concat(value.split(',').map(trimWhiteSpace));
      else if (lower === 'transfer-encoding')
        transferEncoding = transferEncoding ? `${transferEncoding}, ${value}` : value;
      else if (lower === 'connection') connection += `,${value.toLowerCase()}`;
      else if (lower === 'keep-alive') {
        const timeout = /(?:^|,)\s*timeout\s*=\s*(\d+)/i.exec(value);
        if (timeout) keepAliveTimeoutMs = Number(timeout[1]) * 1000;
      }
    }
    if (code >= 100 && code < 200) {
      // 101 would hand the connection to another protocol, which no request of ours asks for.
      if (code === 101) throw new MalformedResponseError('a protocol switch (101) that was not asked for');
      return rest;
    }
    const connectionTokens = connection.split(',').map((token) => token.trim());
    let keepAlive =
      minor === 1 ? !connectionTokens.includes('close') : connectionTokens.includes('keep-alive');
    let length: number | undefined;
    if (transferEncoding === undefined && lengths.length > 0) {
      if (!lengths.every((part) => /^\d{1,15}$/.test(part)) || new Set(lengths).size !== 1) {
        throw new MalformedResponseError(`Content-Length ${JSON.stringify(lengths.join(', '))}`);
      }
      length = Number(lengths[0]);
    }
    let next: State;
    if (this.noBody || code === 204 || code === 304) next = 'done';
    else if (transferEncoding !== undefined) {
      const codings = transferEncoding
        .toLowerCase()
        .split(',')
        .map((coding) => coding.trim());
      if (codings.at(-1) === 'chunked') {
        next = 'chunk-size';
        // Both framings at once: the chunked one wins, but RFC 9112 §6.1 calls such a message a
        // possible smuggling attempt, to be handled as an error: at least the connection is not
        // trusted with another request.
        if (lengths.length > 0) keepAlive = false;
      } else {
        // Not chunked last: the body runs to the end of the connection (RFC 9112 §6.3).
        next = 'until-close';
        keepAlive = false;
      }
    } else if (length !== undefined) {
      next = length === 0 ? 'done' : 'length';
      this.remaining = length;
    } else {
      next = 'until-close';
      keepAlive = false;
    }
    this.events.onHead({
      status: code,
      statusText: status[3] ?? '',
      headers,
      keepAlive,
      keepAliveTimeoutMs,
    });
    this.state = next;
    if (next === 'done') return this.end(rest);
    return rest;
  }

  /**
   * A CRLF-terminated line of at most `max` bytes (not counting the CRLF), given to `take` without
   * its CRLF. `latin1` keeps bytes as they are: lines here are ASCII by grammar.
   */
  private readLine(data: Uint8Array, max: number, what: string, take: (line: string) => void): Uint8Array {
    const buffer = this.join(data);
    const end = buffer.indexOf('\r\n', Math.max(0, (this.pending?.length ?? 0) - 1), 'latin1');
    if (end < 0) {
      if (buffer.length > max + 1) throw new MalformedResponseError(`${what} over ${max} bytes`);
      this.pending = buffer;
      return data.subarray(data.length);
    }
    if (end > max) throw new MalformedResponseError(`${what} over ${max} bytes`);
    this.pending = undefined;
    take(buffer.toString('latin1', 0, end));
    const rest = buffer.subarray(end + 2);
    if (this.trailersEnded) return this.end(rest);
    return rest;
  }

  private end(rest: Uint8Array): Uint8Array {
    this.state = 'done';
    this.events.onEnd();
    return rest;
  }

  /** The unfinished bytes kept from before, followed by `data`. */
  private join(data: Uint8Array): Buffer {
    const view = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const pending = this.pending;
    if (pending === undefined) return view;
    const length = pending.length + view.length;
    let room = this.room;
    // Appended in place only while `pending` is the start of `room`: bytes of `room` past a
    // finished head or line may have gone out as body, and are never written over.
    if (
      room === undefined ||
      pending.buffer !== room.buffer ||
      pending.byteOffset !== room.byteOffset ||
      room.length < length
    ) {
      room = Buffer.allocUnsafe(Math.max(length, 2 * pending.length, 1024));
      pending.copy(room, 0);
      this.room = room;
    }
    view.copy(room, pending.length);
    return room.subarray(0, length);
  }
}

/**
 * Without the spaces and tabs around it: HTTP's only white space here. `String#trim` would also take
 * a no-break space, and a header's bytes are read as latin1, so the last byte of a UTF-8 value
 * ending in `à` (C3 A0) would go; and it would let `5\v` pass for a Content-Length of 5.
 */
function trimWhiteSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

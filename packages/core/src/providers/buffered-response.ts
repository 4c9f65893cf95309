/**
 * A `Response` whose body was read whole into memory: what `createNodeHttpFetch` answers JSON
 * requests with. A WHATWG `Response` built around the same bytes wraps them in a `ReadableStream`
 * that `json()` then reads back piece by piece; at hundreds of sub-calls at once that machinery was
 * a fifth of the main thread's CPU per call. This one hands the bytes over directly.
 *
 * It is a `Response` to every check callers make (`instanceof Response`, each property and method),
 * built without the stream until someone asks for `body`.
 */

export class BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected = false;
  readonly type: Response['type'] = 'basic';
  #bytes: Uint8Array | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;
  /** Whether `#stream` was read from or cancelled: what makes a `Response`'s body used. */
  #streamState = { disturbed: false };
  #used = false;

  constructor(bytes: Uint8Array, status: number, statusText: string, headers: Headers, url: string) {
    this.#bytes = bytes;
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.url = url;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    // Reading the body through its stream uses it too, as `Response`'s does: a later `text()` or
    // `clone()` then fails instead of answering with nothing.
    return this.#used || this.#streamState.disturbed;
  }

  /** The bytes as a stream, made on first access; from then on the body is read through it. */
  get body(): ReadableStream<Uint8Array> {
    if (this.#stream === undefined) {
      this.#stream = watched(this.#bytes ?? new Uint8Array(), this.#streamState);
      this.#bytes = undefined;
    }
    return this.#stream;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.#take());
  }

  async text(): Promise<string> {
    const bytes = await this.#take();
    // A view, not a copy (Buffer.from of a Uint8Array would copy it).
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    // UTF-8 decoding drops a byte order mark, as Response's does.
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    // Through a `Response`, so the type is the Content-Type as `Response` serialises it
    // (`application/json;charset=utf-8`, not the header's text).
    return new Response(await this.#take(), { headers: this.headers }).blob();
  }

  async formData(): Promise<FormData> {
    return new Response(await this.#take(), { headers: this.headers }).formData();
  }

  clone(): BufferedResponse {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    const copy = new BufferedResponse(
      this.#bytes ?? new Uint8Array(),
      this.status,
      this.statusText,
      new Headers(this.headers),
      this.url,
    );
    if (this.#stream !== undefined) {
      // The body was handed out as a stream: both sides read from a tee of it.
      // Each side watches its own branch: reading one does not use the other.
      const [mine, theirs] = this.#stream.tee();
      this.#streamState = { disturbed: false };
      this.#stream = watched(mine, this.#streamState);
      copy.#bytes = undefined;
      copy.#stream = watched(theirs, copy.#streamState);
    }
    return copy;
  }

  /** The whole body, once; a second read fails as `Response`'s does. */
  async #take(): Promise<Uint8Array> {
    // A stream someone holds a reader of is unusable too, but not used (as `Response`).
    if (this.bodyUsed || this.#stream?.locked) {
      throw new TypeError('Body is unusable: Body has already been read');
    }
    this.#used = true;
    if (this.#stream !== undefined) return new Uint8Array(await new Response(this.#stream).arrayBuffer());
    const bytes = this.#bytes!;
    this.#bytes = undefined;
    return bytes;
  }
}

/**
 * A stream of `source` (bytes, or another stream) that marks `state.disturbed` once it is read from
 * or cancelled. `highWaterMark: 0`: nothing is pulled before a reader asks, so merely taking `body`
 * does not count as reading it.
 */
function watched(
  source: Uint8Array | ReadableStream<Uint8Array>,
  state: { disturbed: boolean },
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        state.disturbed = true;
        if (source instanceof Uint8Array) {
          if (source.byteLength > 0) controller.enqueue(source);
          controller.close();
          return;
        }
        reader ??= source.getReader();
        const chunk = await reader.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel(reason) {
        state.disturbed = true;
        if (source instanceof Uint8Array) return;
        return (reader ?? source).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

// `instanceof Response` holds, and `Object.prototype.toString` says "Response"; every member the
// prototype has is defined above, so none of `Response.prototype`'s own (which need a real one) runs.
if (typeof Response === 'function') Object.setPrototypeOf(BufferedResponse.prototype, Response.prototype);

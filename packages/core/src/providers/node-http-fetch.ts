/**
 * A `fetch` for provider SDKs on Node.js that speaks HTTP/1.1 itself over keep-alive TCP (and TLS)
 * connections, instead of Node's built-in `fetch` (undici behind WHATWG streams) or `node:http`.
 *
 * Why: an RLM makes hundreds of small model calls at once, and on the host's one main thread the
 * CPU each call costs decides how fast a wave of sub-calls goes out and comes back. Measured on the
 * 2-core CI machine, the OpenAI SDK making small JSON calls 64 at a time against a local server, CPU
 * per call: built-in `fetch` 1.2 ms, `node:http` 0.65–0.73 ms, this 0.31–0.35 ms (warm; the first
 * hundred calls 4.7–5.2, 2.1–2.7 and ~1.55 ms). The difference is machinery a request/response
 * exchange of JSON does not need: Node's streams around the socket and the message objects, and a
 * WHATWG `Response` that wraps a body already in memory in a `ReadableStream` to read it back.
 *
 * It covers what the OpenAI and Anthropic SDKs send: a URL string and a string or byte body. Anything
 * else (a `Request` object, a stream, form data, a protocol other than http(s), a redirect to follow)
 * goes to the global `fetch` unchanged, so nothing a caller relies on is lost. JSON answers are read
 * whole before the `Response` resolves (the SDK reads them whole anyway); every other answer
 * (server-sent events above all) streams as it arrives, with back-pressure on the connection.
 */

import type * as tls from 'node:tls';
import type * as zlib from 'node:zlib';
import { BufferedResponse } from './buffered-response';
import { Http1ConnectionPool } from './http1-connection-pool';
import { Http1ResponseParser, type ResponseHead } from './http1-response-parser';

interface NodeModules {
  readonly zlib: typeof zlib;
  readonly pool: Http1ConnectionPool;
}

export interface NodeHttpFetchOptions {
  /**
   * TLS settings for https connections (`ca`, `cert`, `key`, `rejectUnauthorized`, …), passed to
   * `tls.connect`. The default trusts Node's CA store (and `NODE_EXTRA_CA_CERTS`).
   */
  readonly tls?: tls.ConnectionOptions;
}

/** Statuses whose response has no body (the `Response` constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The `accept-encoding` built-in `fetch` sends, and what this one decodes. */
const ACCEPT_ENCODING = 'gzip, deflate, br';

/** Request headers this client writes itself: it owns the framing and the connection. */
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** The methods fetch normalises to upper case. */
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** The methods fetch refuses (a TypeError), whatever their case. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Creates the fetch. Requests it cannot send itself, and every request where Node's `net` cannot be
 * loaded, go to `fallback` (the global `fetch` by default).
 */
export function createNodeHttpFetch(
  fallback: typeof fetch = (input, init) => fetch(input, init),
  options: NodeHttpFetchOptions = {},
): typeof fetch {
  let loading: Promise<NodeModules | undefined> | undefined;
  let loadingTls: Promise<typeof tls | undefined> | undefined;
  const load = () => {
    loading ??= Promise.all([import('node:net'), import('node:zlib')]).then(
      ([net, zlibModule]) => ({ zlib: zlibModule, pool: new Http1ConnectionPool(net, options.tls) }),
      () => undefined,
    );
    return loading;
  };
  // node:tls (~6 ms to load) only once an https URL comes: servers on localhost need none.
  const loadTls = () => {
    loadingTls ??= import('node:tls').then(
      (tlsModule) => tlsModule,
      () => undefined,
    );
    return loadingTls;
  };
  return async (input, init) => {
    const body = init?.body;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    if (
      url === undefined ||
      !/^https?:/i.test(url) ||
      !(
        body === undefined ||
        body === null ||
        typeof body === 'string' ||
        body instanceof Uint8Array ||
        body instanceof ArrayBuffer
      )
    ) {
      return fallback(input, init);
    }
    const modules = await load();
    if (modules === undefined) return fallback(input, init);
    if (/^https:/i.test(url) && !modules.pool.canConnectSecurely) {
      const tlsModule = await loadTls();
      if (tlsModule === undefined) return fallback(input, init);
      modules.pool.useTls(tlsModule);
    }
    const bytes =
      body === undefined || body === null
        ? undefined
        : typeof body === 'string'
          ? Buffer.from(body, 'utf8')
          : Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
    const target = new URL(url);
    // Credentials in the URL: fetch refuses such a request (a TypeError); sending it without them
    // would be a different request.
    if (target.username !== '' || target.password !== '') return fallback(input, init);
    const request = requestBytes(target, init ?? {}, bytes);
    // The answer's `url` is the URL as fetch reports it: serialised, without its fragment.
    target.hash = '';
    const response = await send(modules, target, target.href, init ?? {}, request, true);
    if (response === 'redirect') return fallback(input, init);
    return response;
  };
}

/** The request as it goes on the wire: request line, headers, body. */
function requestBytes(
  target: URL,
  init: RequestInit,
  body: Buffer | undefined,
): { method: string; bytes: Buffer } {
  let method = init.method ?? 'GET';
  if (NORMALISED_METHODS.has(method.toUpperCase())) method = method.toUpperCase();
  if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
  // As fetch: CONNECT would turn the connection into a tunnel, TRACE/TRACK echo the request back.
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    throw new TypeError(`'${method}' HTTP method is unsupported.`);
  }
  // As fetch: a body on GET or HEAD is refused, not sent (servers may read it as the next request).
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError('Request with GET/HEAD method cannot have body.');
  }
  // `Headers` checks names and values (no CR, LF or NUL), so nothing given can split the request.
  const given = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
  let head = `${method} ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n`;
  let acceptEncoding = false;
  for (const [name, value] of given) {
    if (OWN_HEADERS.has(name)) continue;
    if (name === 'accept-encoding') acceptEncoding = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!acceptEncoding) head += `accept-encoding: ${ACCEPT_ENCODING}\r\n`;
  if (body !== undefined || (method !== 'GET' && method !== 'HEAD')) {
    head += `content-length: ${body?.byteLength ?? 0}\r\n`;
  }
  head += '\r\n';
  // Header values may hold any byte but CR, LF and NUL: latin1 writes each as the byte it stands for.
  const headBytes = Buffer.from(head, 'latin1');
  return { method, bytes: body === undefined ? headBytes : Buffer.concat([headBytes, body]) };
}

/**
 * One exchange on one connection. `retryOnStaleSocket`: a reused keep-alive connection that the
 * server had already closed fails before any byte of an answer came back (reset, broken pipe, or
 * simply closed); the server never answered, so the request is sent once more on a new connection,
 * as browsers and undici do.
 */
function send(
  modules: NodeModules,
  target: URL,
  url: string,
  init: RequestInit,
  request: { method: string; bytes: Buffer },
  retryOnStaleSocket: boolean,
): Promise<Response | 'redirect'> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const connection = modules.pool.acquire(target, { onData, onError, onClose });
    const { socket } = connection;
    /** Bytes of an answer arrived: from here on the request is never sent again. */
    let answered = false;
    /** The promise is settled (a response or an error). */
    let settled = false;
    /** The exchange is over: the socket went back to the pool or was destroyed. */
    let over = false;
    let ended = false;
    let head: ResponseHead | undefined;
    let sink: BodySink | undefined;
    let socketError: Error | undefined;

    const detach = () => {
      connection.user = undefined;
      signal?.removeEventListener('abort', onAbort);
    };
    /**
     * Ends the exchange for good (the connection cannot carry another request) with `error`: the
     * promise rejects with it before any response, a body being read fails with it after.
     */
    const abandon = (error: unknown) => {
      if (over) return;
      over = true;
      detach();
      socket.destroy();
      if (sink !== undefined) sink.fail(error);
      else if (!settled) {
        settled = true;
        reject(error);
      }
    };
    /** The connection failed: `fetch failed` before the head arrived, `terminated` after (as fetch). */
    const connectionFailed = (cause: unknown) =>
      abandon(
        head === undefined || sink === undefined
          ? new TypeError('fetch failed', { cause })
          : new TypeError('terminated', { cause }),
      );
    const onAbort = () => abandon(signal!.reason);
    function onError(error: Error) {
      socketError = error;
    }
    function onClose() {
      if (over) return;
      if (!answered && connection.reused && retryOnStaleSocket && isStaleConnectionError(socketError)) {
        over = true;
        settled = true;
        detach();
        send(modules, target, url, init, request, false).then(resolve, reject);
        return;
      }
      if (parser.readsUntilClose && socketError === undefined) {
        parser.finish();
        finishExchange();
        return;
      }
      connectionFailed(
        socketError ??
          new Error(
            head === undefined
              ? 'the server closed the connection without answering'
              : 'the connection closed before the whole answer arrived',
          ),
      );
    }
    /** The response ended: give the connection back, or close it when it cannot carry another. */
    const finishExchange = () => {
      if (over) return;
      over = true;
      detach();
      if (socket.isPaused()) socket.resume();
      // Not reused either while part of the request is still unsent: a server that answered early
      // (a 429 or 413 before reading a large body) would read the rest of it as the next request.
      if (head?.keepAlive && parser.extraBytes === 0 && !socket.destroyed && socket.writableLength === 0) {
        modules.pool.release(connection, head.keepAliveTimeoutMs);
      } else socket.destroy();
      sink?.end();
    };

    const parser = new Http1ResponseParser(
      {
        onHead: (received) => {
          head = received;
          const status = received.status;
          const headers = new Headers();
          for (const [name, value] of received.headers) headers.append(name, value);
          const location = headers.get('location');
          if (status >= 300 && status < 400 && location && init.redirect !== 'manual') {
            settled = true;
            resolve('redirect');
            abandon(undefined);
            return;
          }
          const responseInit = { status, statusText: received.statusText, headers };
          if (NULL_BODY_STATUSES.has(status) || request.method === 'HEAD') {
            settled = true;
            resolve(withUrl(new Response(null, responseInit), url));
            sink = discardingSink;
            return;
          }
          const encoding = headers.get('content-encoding');
          if (/[/+]json\b/i.test(headers.get('content-type') ?? '')) {
            sink = new WholeBodySink(
              modules.zlib,
              encoding,
              (bytes) => {
                settled = true;
                resolve(
                  new BufferedResponse(
                    bytes,
                    status,
                    received.statusText,
                    headers,
                    url,
                  ) as unknown as Response,
                );
              },
              (error) => {
                if (settled) return;
                settled = true;
                // An abort rejects the call; a broken connection resolves, and reading the body fails
                // (as built-in fetch: the headers came).
                if (signal?.aborted && error === signal.reason) reject(error);
                else resolve(withUrl(new Response(brokenBody(error), responseInit), url));
              },
            );
            return;
          }
          const streaming = new StreamingBodySink(modules.zlib, encoding, socket);
          // Made before the exchange counts as answered: `Response` refuses some statuses a server
          // may send (600–999), and that must reject the call ('fetch failed'), not leave it
          // waiting on a sink whose stream nobody holds.
          const answer = withUrl(new Response(streaming.stream, responseInit), url);
          sink = streaming;
          settled = true;
          resolve(answer);
        },
        onBody: (chunk) => sink?.write(chunk),
        onEnd: () => {
          ended = true;
        },
      },
      request.method === 'HEAD',
    );

    function onData(chunk: Buffer) {
      answered = true;
      try {
        parser.feed(chunk);
      } catch (error) {
        connectionFailed(error);
        return;
      }
      if (ended) finishExchange();
    }

    signal?.addEventListener('abort', onAbort, { once: true });
    socket.write(request.bytes);
  });
}

/** A reused connection the server had closed: it was reset, the pipe broke, or it simply closed. */
function isStaleConnectionError(error: Error | undefined): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return error === undefined || code === 'ECONNRESET' || code === 'EPIPE';
}

/** `Response` leaves `url` empty when built by hand; the SDKs put it in their error details. */
function withUrl(response: Response, url: string): Response {
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

/** A body whose reading fails as built-in fetch's does when the connection broke mid-answer. */
function brokenBody(error: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(error);
    },
  });
}

/** Where the parser's body bytes go. */
interface BodySink {
  write(chunk: Uint8Array): void;
  end(): void;
  fail(error: unknown): void;
}

const discardingSink: BodySink = { write() {}, end() {}, fail() {} };

/** The codings to undo, last applied first; `undefined` when one of them is unknown (kept as is). */
function decoders(encoding: string | null): Array<'gzip' | 'deflate' | 'br'> | undefined {
  const codings = (encoding ?? '')
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .map((coding) => (coding === 'x-gzip' ? 'gzip' : coding))
    .reverse();
  return codings.every((coding) => coding === 'gzip' || coding === 'deflate' || coding === 'br')
    ? (codings as Array<'gzip' | 'deflate' | 'br'>)
    : undefined;
}

/** Collects a JSON body, then decodes it (what built-in fetch decodes, leniently as it does). */
class WholeBodySink implements BodySink {
  private readonly chunks: Uint8Array[] = [];

  constructor(
    private readonly zlibModule: typeof zlib,
    private readonly encoding: string | null,
    private readonly done: (bytes: Uint8Array) => void,
    private readonly broken: (error: unknown) => void,
  ) {}

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }

  end(): void {
    let bytes: Uint8Array = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const codings = decoders(this.encoding) ?? [];
    try {
      const lenient = {
        flush: this.zlibModule.constants.Z_SYNC_FLUSH,
        finishFlush: this.zlibModule.constants.Z_SYNC_FLUSH,
      };
      for (const coding of codings) {
        bytes =
          coding === 'br'
            ? this.zlibModule.brotliDecompressSync(bytes)
            : coding === 'gzip'
              ? this.zlibModule.gunzipSync(bytes, lenient)
              : this.zlibModule.inflateSync(bytes, lenient);
      }
    } catch (error) {
      this.broken(new TypeError('terminated', { cause: error }));
      return;
    }
    this.done(bytes);
  }

  fail(error: unknown): void {
    this.broken(error);
  }
}

/**
 * Streams a body as it arrives, decoded when compressed. When the reader falls behind, the
 * connection is paused, so a slow consumer never makes the whole answer pile up in memory.
 */
class StreamingBodySink implements BodySink {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly decoder: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined;
  private closed = false;
  /**
   * The exchange is over (`end()` or `fail()` was called): the socket went back to the pool, where
   * another request may use it, or was destroyed. From then on the stream must not pause, resume or
   * destroy it: a decoder still emitting output, a late `pull`, or a `cancel()` of a body that had
   * fully arrived would otherwise stall or close the next request's connection (a cancel made the
   * next request be sent twice).
   */
  private released = false;

  constructor(
    zlibModule: typeof zlib,
    encoding: string | null,
    private readonly socket: import('node:net').Socket,
  ) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      pull: () => {
        if (!this.released) this.socket.resume();
      },
      cancel: () => {
        this.closed = true;
        if (!this.released) this.socket.destroy();
      },
    });
    const codings = decoders(encoding) ?? [];
    // Chained decoders for stacked codings (rare): each one's output is the next one's input.
    let first: typeof this.decoder;
    let last: typeof this.decoder;
    for (const coding of codings) {
      const lenient = {
        flush: zlibModule.constants.Z_SYNC_FLUSH,
        finishFlush: zlibModule.constants.Z_SYNC_FLUSH,
      };
      const next =
        coding === 'br'
          ? zlibModule.createBrotliDecompress()
          : coding === 'gzip'
            ? zlibModule.createGunzip(lenient)
            : zlibModule.createInflate(lenient);
      if (last) last.pipe(next);
      first ??= next;
      last = next;
      next.on('error', (error) => {
        this.error(new TypeError('terminated', { cause: error }));
        // The rest of this answer can no longer be read: drop the connection rather than leave it
        // paused (and holding the process) with nobody left to resume it.
        if (!this.released) this.socket.destroy();
      });
    }
    this.decoder = first;
    last?.on('data', (chunk: Buffer) => this.push(chunk));
    last?.on('end', () => this.close());
  }

  write(chunk: Uint8Array): void {
    if (this.decoder) this.decoder.write(chunk);
    else this.push(chunk);
  }

  end(): void {
    this.released = true;
    if (this.decoder) this.decoder.end();
    else this.close();
  }

  fail(error: unknown): void {
    this.released = true;
    this.error(error);
  }

  private error(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.error(error);
  }

  private push(chunk: Uint8Array): void {
    if (this.closed) return;
    this.controller.enqueue(chunk);
    if (!this.released && (this.controller.desiredSize ?? 1) <= 0) this.socket.pause();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.close();
  }
}

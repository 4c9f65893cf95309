/**
 * `createNodeHttpFetch` against real servers on 127.0.0.1 that write exact bytes: framing, connection
 * reuse, smuggling, stale and idle connections, back-pressure, codings, aborts, TLS, and the process
 * exiting. Where Node's built-in `fetch` is the reference for a behaviour, it is asked the same
 * question against the same server.
 */

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferedResponse } from './buffered-response';
import { MalformedResponseError } from './http1-response-parser';
import { createNodeHttpFetch } from './node-http-fetch';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function hasIpv6Loopback(): boolean {
  try {
    execFileSync(
      process.execPath,
      ['-e', "require('net').createServer().listen(0, '::1', function () { this.close(); })"],
      {
        stdio: 'ignore',
        timeout: 5_000,
      },
    );
    return true;
  } catch {
    return false;
  }
}

/** A request as the raw server read it. */
interface RawRequest {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  /** Lower-cased names; repeated headers joined with ', '. */
  readonly headers: Record<string, string>;
  readonly rawHead: string;
  readonly body: Buffer;
  readonly connection: RawConnection;
  /** 0 for the first request on its connection. */
  readonly indexOnConnection: number;
}

interface RawConnection {
  readonly id: number;
  readonly socket: net.Socket;
  requests: number;
  /** The client ended or reset it, or the server closed it. */
  closed: boolean;
  /** The client ended its side (FIN) or reset it, while the server had not closed. */
  closedByClient: boolean;
  readonly whenClosed: Promise<void>;
}

interface RawServer {
  readonly url: string;
  readonly port: number;
  readonly connections: RawConnection[];
  readonly requests: RawRequest[];
  /** Bytes received, requests or not. */
  bytesReceived: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A TCP server that reads HTTP/1.1 requests (Content-Length bodies) one after another on each
 * connection and lets `answer` write whatever bytes it likes on the socket.
 */
async function rawServer(answer: (request: RawRequest) => unknown): Promise<RawServer> {
  const state: RawServer = { url: '', port: 0, connections: [], requests: [], bytesReceived: 0 };
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let ended = false;
    let closeResolve!: () => void;
    const connection: RawConnection = {
      id: state.connections.length,
      socket,
      requests: 0,
      closed: false,
      closedByClient: false,
      whenClosed: new Promise<void>((resolve) => {
        closeResolve = resolve;
      }),
    };
    state.connections.push(connection);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      state.bytesReceived += chunk.length;
      // As a real server: once it closed its side, it handles no further request there.
      if (socket.writableEnded) return;
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const rawHead = buffer.toString('latin1', 0, end);
        const [requestLine, ...lines] = rawHead.split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          const name = line.slice(0, colon).toLowerCase();
          const value = line.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length);
        buffer = buffer.subarray(end + 4 + length);
        const [method, target, version] = requestLine!.split(' ');
        const request: RawRequest = {
          method: method!,
          target: target!,
          version: version!,
          headers,
          rawHead,
          body,
          connection,
          indexOnConnection: connection.requests,
        };
        connection.requests += 1;
        state.requests.push(request);
        void answer(request);
      }
    });
    socket.on('end', () => {
      ended = true;
      if (!socket.destroyed) connection.closedByClient = true;
      socket.end();
    });
    socket.on('error', () => {
      if (!ended) connection.closedByClient = true;
    });
    socket.on('close', () => {
      connection.closed = true;
      closeResolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  cleanups.push(async () => {
    for (const connection of state.connections) connection.socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return Object.assign(state, { url: `http://127.0.0.1:${port}`, port });
}

/** A whole response's bytes. */
function response(
  body: string | Buffer,
  headers: Record<string, string> = {},
  statusLine = 'HTTP/1.1 200 OK',
): Buffer {
  const bytes = Buffer.from(body);
  const all = { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers };
  const head = Object.entries(all)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${statusLine}\r\n${head}\r\n`, 'latin1'), bytes]);
}

/** The chunked framing of `pieces`, with optional extensions and trailers. */
function chunked(pieces: Array<string | Buffer>, trailers = ''): Buffer {
  const parts: Buffer[] = [];
  pieces.forEach((piece, index) => {
    const bytes = Buffer.from(piece);
    parts.push(
      Buffer.from(`${bytes.length.toString(16)}${index % 2 ? ';ext=1' : ''}\r\n`),
      bytes,
      Buffer.from('\r\n'),
    );
  });
  parts.push(Buffer.from(`0\r\n${trailers}\r\n`));
  return Buffer.concat(parts);
}

/** Writes `bytes` cut at `cuts`, each piece separately flushed (no delay on the socket). */
async function writeCut(socket: net.Socket, bytes: Buffer, cuts: number[]): Promise<void> {
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= start) continue;
    socket.write(bytes.subarray(start, cut));
    start = cut;
    await sleep(2);
  }
}

const echo = (request: RawRequest, extra: Record<string, unknown> = {}) =>
  response(
    JSON.stringify({
      method: request.method,
      target: request.target,
      body: request.body.toString(),
      ...extra,
    }),
  );

async function fetchFailure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${String(outcome.value)}`);
  return outcome.error as Error;
}

describe('framing and connection reuse', () => {
  it('reads chunked JSON cut at odd places, with extensions and trailers, and reuses the connection', async () => {
    const payload = JSON.stringify({ text: 'héllo wörld ✓ '.repeat(20) });
    const bytes = Buffer.from(payload);
    // Cut inside a chunk size, inside its CRLF, inside a multi-byte character, inside the trailers.
    const body = chunked(
      [bytes.subarray(0, 7), bytes.subarray(7, 200), bytes.subarray(200)],
      'x-checksum: abc\r\nx-more: 1\r\n',
    );
    const head = Buffer.from(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const whole = Buffer.concat([head, body]);
    const cutPlans = [
      [],
      [1, head.length - 1, head.length + 1, head.length + 4, whole.length - 3],
      Array.from({ length: 40 }, (_, index) => 3 + index * 17),
      [
        head.length + 2,
        head.length + 3,
        head.length + 8,
        head.length + 9,
        whole.length - 20,
        whole.length - 1,
      ],
    ];
    const server = await rawServer((request) =>
      writeCut(request.connection.socket, whole, cutPlans[Number(request.target.slice(1))]!),
    );
    const nodeFetch = createNodeHttpFetch();
    for (let round = 0; round < 2; round++) {
      for (let plan = 0; plan < cutPlans.length; plan++) {
        const answer = await nodeFetch(`${server.url}/${plan}`, { method: 'POST', body: '{}' });
        expect(answer).toBeInstanceOf(BufferedResponse);
        expect(await answer.text(), `plan ${plan}`).toBe(payload);
      }
    }
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.requests).toBe(2 * cutPlans.length);
  });

  it('streams a chunked event stream cut at odd places and then reuses the connection', async () => {
    const events = Array.from({ length: 30 }, (_, index) => `data: {"n":${index}}\n\n`);
    const whole = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n'),
      chunked(events, 'x-done: yes\r\n'),
    ]);
    const server = await rawServer((request) =>
      request.target === '/stream'
        ? writeCut(
            request.connection.socket,
            whole,
            Array.from({ length: 50 }, (_, index) => 5 + index * 23),
          )
        : request.connection.socket.write(echo(request)),
    );
    const nodeFetch = createNodeHttpFetch();
    const answer = await nodeFetch(`${server.url}/stream`);
    expect(answer).not.toBeInstanceOf(BufferedResponse);
    expect(await answer.text()).toBe(events.join(''));
    expect(await (await nodeFetch(`${server.url}/next`)).json()).toMatchObject({ target: '/next' });
    expect(server.connections).toHaveLength(1);
  });

  it('does not reuse a connection after Connection: close or an HTTP/1.0 answer, and reuses one after HTTP/1.0 keep-alive', async () => {
    const server = await rawServer((request) => {
      const body = JSON.stringify({ target: request.target });
      // The server never closes: closing is up to the client.
      const answers: Record<string, Buffer> = {
        '/close': response(body, { connection: 'close' }),
        '/close-token': response(body, { connection: 'x-custom, Close' }),
        '/http10': response(body, {}, 'HTTP/1.0 200 OK'),
        '/http10-keep-alive': response(body, { connection: 'keep-alive' }, 'HTTP/1.0 200 OK'),
      };
      request.connection.socket.write(answers[request.target]!);
    });
    const nodeFetch = createNodeHttpFetch();
    for (const target of ['/close', '/close-token', '/http10']) {
      const before = server.connections.length;
      expect(await (await nodeFetch(server.url + target)).json()).toEqual({ target });
      expect(await (await nodeFetch(server.url + target)).json()).toEqual({ target });
      expect(server.connections.length, target).toBe(before + 2);
      const used = server.connections.slice(before);
      await Promise.all(used.map((connection) => connection.whenClosed));
      expect(used.every((connection) => connection.closedByClient)).toBe(true);
    }
    const before = server.connections.length;
    for (let index = 0; index < 3; index++) {
      expect(await (await nodeFetch(`${server.url}/http10-keep-alive`)).json()).toEqual({
        target: '/http10-keep-alive',
      });
    }
    expect(server.connections.length).toBe(before + 1);
  });

  it('reads a body that runs until the server closes, JSON or streamed, and opens a new connection after', async () => {
    const server = await rawServer(async (request) => {
      const { socket } = request.connection;
      const type = request.target === '/json' ? 'application/json' : 'text/plain';
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\n\r\n{"until":`);
      await sleep(5);
      socket.write('"close"}');
      await sleep(5);
      socket.end();
    });
    const nodeFetch = createNodeHttpFetch();
    expect(await (await nodeFetch(`${server.url}/json`)).json()).toEqual({ until: 'close' });
    expect(await (await nodeFetch(`${server.url}/text`)).text()).toBe('{"until":"close"}');
    expect(await (await nodeFetch(`${server.url}/json`)).json()).toEqual({ until: 'close' });
    expect(server.connections).toHaveLength(3);
  });

  it('fails reading an until-close body when the connection is reset instead of closed', async () => {
    const server = await rawServer(async (request) => {
      const { socket } = request.connection;
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome of it');
      await sleep(10);
      socket.resetAndDestroy();
    });
    const answer = await createNodeHttpFetch()(server.url);
    const error = await fetchFailure(answer.text());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('skips 100 Continue and 103 Early Hints, sent at once or apart, and reuses the connection', async () => {
    const server = await rawServer(async (request) => {
      const { socket } = request.connection;
      const interim =
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n' +
        'HTTP/1.1 103 Early Hints\r\nlink: </b.js>; rel=preload\r\n\r\n';
      if (request.target === '/apart') {
        for (const part of interim.split(/(?<=\r\n\r\n)/)) {
          socket.write(part);
          await sleep(5);
        }
        socket.write(echo(request));
      } else socket.write(Buffer.concat([Buffer.from(interim), echo(request)]));
    });
    const nodeFetch = createNodeHttpFetch();
    for (const target of ['/together', '/apart', '/together']) {
      const answer = await nodeFetch(server.url + target, { method: 'POST', body: 'x' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('link')).toBeNull();
      expect(await answer.json()).toEqual({ method: 'POST', target, body: 'x' });
    }
    expect(server.connections).toHaveLength(1);
  });

  it('answers HEAD, 204 and 304 without waiting for a body their Content-Length announces, and reuses the connection', async () => {
    const server = await rawServer((request) => {
      const { socket } = request.connection;
      if (request.method === 'HEAD') socket.write(response('', { 'content-length': '5000' }));
      else if (request.target === '/204')
        socket.write('HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n');
      else if (request.target === '/304')
        socket.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 1234\r\n\r\n');
      else socket.write(echo(request));
    });
    const nodeFetch = createNodeHttpFetch();
    const head = await nodeFetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('5000');
    expect(await head.text()).toBe('');
    expect((await nodeFetch(`${server.url}/204`)).status).toBe(204);
    const notModified = await nodeFetch(`${server.url}/304`);
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeNull();
    expect(await (await nodeFetch(`${server.url}/after`)).json()).toMatchObject({ target: '/after' });
    expect(server.connections).toHaveLength(1);
  });
});

/** Answers the tests below send, each with the bytes a server would write and keep the socket open. */
const MALFORMED_HEADS: Array<[string, string | Buffer]> = [
  ['a bad status line', 'HTTP/1.1 OK 200\r\ncontent-length: 2\r\n\r\n{}'],
  ['an HTTP/2 status line', 'HTTP/2 200\r\ncontent-length: 2\r\n\r\n{}'],
  [
    'a header without a colon',
    'HTTP/1.1 200 OK\r\ncontent-type application/json\r\ncontent-length: 2\r\n\r\n{}',
  ],
  [
    'obs-fold',
    'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n folded: yes\r\ncontent-length: 2\r\n\r\n{}',
  ],
  ['a space before the colon', 'HTTP/1.1 200 OK\r\ncontent-length : 2\r\n\r\n{}'],
  ['conflicting Content-Lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}'],
  ['a non-numeric Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: two\r\n\r\n{}'],
  [
    'a 101 nobody asked for',
    'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n',
  ],
  ['a head over 64 KiB', `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70_000)}\r\ncontent-length: 2\r\n\r\n{}`],
];

describe('malformed answers', () => {
  it.each(
    MALFORMED_HEADS,
  )('%s: rejects with fetch failed, caused by MalformedResponseError, closes the socket, sends nothing again', async (_name, bytes) => {
    const server = await rawServer((request) => {
      if (request.target === '/warm') request.connection.socket.write(echo(request));
      else request.connection.socket.write(bytes);
    });
    const nodeFetch = createNodeHttpFetch();
    // On a fresh connection, and on a reused one (where a failure must not pass for a stale socket).
    for (const warm of [false, true]) {
      if (warm) await (await nodeFetch(`${server.url}/warm`)).json();
      const before = server.requests.length;
      const error = await fetchFailure(nodeFetch(`${server.url}/bad`, { method: 'POST', body: '{}' }));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('fetch failed');
      expect(error.cause).toBeInstanceOf(MalformedResponseError);
      const connection = server.connections.at(-1)!;
      await connection.whenClosed;
      expect(connection.closedByClient).toBe(true);
      expect(server.requests.length).toBe(before + 1);
    }
    // The client still works.
    expect(await (await nodeFetch(`${server.url}/warm`)).json()).toMatchObject({ target: '/warm' });
  });

  it('statuses out of range: below 100 fails as fetch fails; 600-999 answers JSON as fetch does, and fails a stream rather than hang', async () => {
    const server = await rawServer((request) => {
      const [, status, type] = request.target.split('/');
      request.connection.socket.write(
        response(
          '{}',
          { 'content-type': type === 'json' ? 'application/json' : 'text/plain' },
          `HTTP/1.1 ${status} Odd`,
        ),
      );
    });
    const nodeFetch = createNodeHttpFetch();
    for (const status of ['000', '099']) {
      for (const type of ['json', 'text']) {
        expect(await fetchFailure(fetch(`${server.url}/${status}/${type}`))).toBeInstanceOf(TypeError);
        const error = await fetchFailure(nodeFetch(`${server.url}/${status}/${type}`));
        expect(error.message).toBe('fetch failed');
        expect(error.cause).toBeInstanceOf(MalformedResponseError);
      }
    }
    for (const status of ['600', '999']) {
      const answer = await nodeFetch(`${server.url}/${status}/json`);
      expect(answer.status).toBe((await fetch(`${server.url}/${status}/json`)).status);
      expect(answer.ok).toBe(false);
      expect(await answer.json()).toEqual({});
      const streamed = await Promise.race([
        fetchFailure(nodeFetch(`${server.url}/${status}/text`)),
        sleep(2_000).then(() => 'hung'),
      ]);
      expect(streamed).toBeInstanceOf(TypeError);
      expect((streamed as Error).message).toBe('fetch failed');
    }
  });

  it.each([
    ['another protocol', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['a 1xx with a body', 'HTTP/1.1 100 Continue\r\ncontent-length: 2\r\n\r\n{}'],
    ['a 199 with a body', 'HTTP/1.1 199 Odd\r\ncontent-length: 2\r\n\r\n{}'],
  ])('%s, the connection left open: fails at once instead of waiting', async (_name, bytes) => {
    const server = await rawServer((request) => request.connection.socket.write(bytes));
    const started = Date.now();
    const error = await Promise.race([
      fetchFailure(createNodeHttpFetch()(server.url)),
      sleep(2_000).then(() => 'hung'),
    ]);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).cause).toBeInstanceOf(MalformedResponseError);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it.each([
    ['a bad chunk size', 'zz\r\n{}\r\n0\r\n\r\n'],
    ['chunk data longer than its size', '2\r\n{}}\r\n0\r\n\r\n'],
    ['an oversized chunk size', 'fffffffffffffff\r\n{}\r\n0\r\n\r\n'],
  ])('%s after the head: the JSON body fails to read with terminated, the stream errors, the socket is closed', async (_name, body) => {
    const server = await rawServer((request) => {
      const type = request.target === '/json' ? 'application/json' : 'text/event-stream';
      request.connection.socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ntransfer-encoding: chunked\r\n\r\n${body}`,
      );
    });
    const nodeFetch = createNodeHttpFetch();
    const json = await nodeFetch(`${server.url}/json`);
    expect(json.status).toBe(200);
    const jsonError = await fetchFailure(json.json());
    expect(jsonError).toBeInstanceOf(TypeError);
    expect(jsonError.message).toBe('terminated');
    expect(jsonError.cause).toBeInstanceOf(MalformedResponseError);
    const stream = await nodeFetch(`${server.url}/stream`);
    const streamError = await fetchFailure(stream.text());
    expect(streamError).toBeInstanceOf(TypeError);
    expect(streamError.cause).toBeInstanceOf(MalformedResponseError);
    await Promise.all(server.connections.map((connection) => connection.whenClosed));
    expect(server.connections.every((connection) => connection.closedByClient)).toBe(true);
  });
});

describe('no response smuggling', () => {
  const forged = response(JSON.stringify({ target: 'forged' }));
  it.each([
    ['a Content-Length body', 'GET', (request: RawRequest) => echo(request)],
    [
      'a chunked body with trailers',
      'POST',
      (request: RawRequest) =>
        Buffer.concat([
          Buffer.from(
            'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
          ),
          chunked([JSON.stringify({ target: request.target })], 'x-t: 1\r\n'),
        ]),
    ],
    ['a 204', 'DELETE', () => Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')],
    ['an answer to HEAD', 'HEAD', () => response('', { 'content-length': '40' })],
    ['a streamed answer', 'GET', () => response('data: 1\n\n', { 'content-type': 'text/event-stream' })],
  ])('bytes after %s: the connection is dropped and the next request gets its own answer', async (_name, method, first) => {
    const server = await rawServer((request) => {
      const { socket } = request.connection;
      // Each answer to /first is followed, in the same write, by a forged one.
      socket.write(request.target === '/first' ? Buffer.concat([first(request), forged]) : echo(request));
    });
    const nodeFetch = createNodeHttpFetch();
    for (let round = 0; round < 3; round++) {
      const answer = await nodeFetch(`${server.url}/first`, { method });
      const text = await answer.text();
      expect(text).not.toContain('forged');
      if (text.startsWith('{')) expect(JSON.parse(text)).toMatchObject({ target: '/first' });
      const next = await nodeFetch(`${server.url}/next-${round}`);
      expect(await next.json()).toMatchObject({ target: `/next-${round}` });
    }
    // Each forged answer cost its connection: nothing was sent on it after /first, the client closed it.
    const carriedFirst = new Set(
      server.requests.filter((request) => request.target === '/first').map((request) => request.connection),
    );
    expect(carriedFirst.size).toBe(3);
    for (const connection of carriedFirst) {
      const last = server.requests.filter((request) => request.connection === connection).at(-1)!;
      expect(last.target).toBe('/first');
      await connection.whenClosed;
      expect(connection.closedByClient).toBe(true);
    }
  });

  it('an answer nobody asked for on an idle connection: the connection is dropped, the next request gets its own answer', async () => {
    const server = await rawServer((request) => {
      const { socket } = request.connection;
      socket.write(echo(request));
      if (request.indexOnConnection === 0) setTimeout(() => socket.write(forged), 20);
    });
    const nodeFetch = createNodeHttpFetch();
    for (let round = 0; round < 3; round++) {
      expect(await (await nodeFetch(`${server.url}/${round}`)).json()).toMatchObject({ target: `/${round}` });
      await sleep(60);
    }
    expect(server.connections).toHaveLength(3);
    expect(server.connections.slice(0, 2).every((connection) => connection.closedByClient)).toBe(true);
  });

  it('a streamed answer cancelled after it fully arrived does not close the connection the next request took', async () => {
    let holdSlow: (() => void) | undefined;
    const server = await rawServer((request) => {
      const { socket } = request.connection;
      if (request.target === '/stream') {
        socket.write(response('data: all of it\n\n', { 'content-type': 'text/event-stream' }));
      } else {
        // The second request is answered only after the first answer's body was cancelled.
        holdSlow = () => socket.write(echo(request));
      }
    });
    const nodeFetch = createNodeHttpFetch();
    const streamed = await nodeFetch(`${server.url}/stream`);
    await sleep(20);
    const slow = nodeFetch(`${server.url}/slow`, { method: 'POST', body: 'once' });
    await expect.poll(() => holdSlow !== undefined).toBe(true);
    await streamed.body!.cancel();
    await sleep(20);
    holdSlow!();
    expect(await (await slow).json()).toEqual({ method: 'POST', target: '/slow', body: 'once' });
    // Sent once: not resent after its connection was closed under it.
    expect(server.requests.filter((request) => request.target === '/slow')).toHaveLength(1);
  });
});

describe('a streamed answer never touches the connection once it went back to the pool', () => {
  it('a compressed stream decoded after its last byte arrived does not pause the next request on that connection', async () => {
    const text = Array.from(
      { length: 40_000 },
      (_, index) => `line ${index} of a long compressible answer\n`,
    ).join('');
    const server = await rawServer((request) =>
      request.connection.socket.write(
        request.target === '/big'
          ? response(gzipSync(text), { 'content-type': 'text/plain', 'content-encoding': 'gzip' })
          : echo(request),
      ),
    );
    const nodeFetch = createNodeHttpFetch();
    const big = await nodeFetch(`${server.url}/big`);
    // Not read yet: its decoded output fills the stream's queue while the next request runs.
    await sleep(30);
    const next = nodeFetch(`${server.url}/next`, { method: 'POST', body: 'after' }).then((answer) =>
      answer.json(),
    );
    const outcome = await Promise.race([next, sleep(2_000).then(() => 'stalled')]);
    expect(outcome).toEqual({ method: 'POST', target: '/next', body: 'after' });
    expect(await big.text()).toBe(text);
    expect(server.connections).toHaveLength(1);
  });
});

describe('an answer that comes before the whole request was sent', () => {
  it('a 429 before a large body was read: the connection is not reused, the next request gets its own answer', async () => {
    const connections: net.Socket[] = [];
    const server = net.createServer((socket) => {
      connections.push(socket);
      socket.once('data', (chunk) => {
        const [requestLine] = chunk.toString('latin1').split('\r\n');
        if (requestLine!.startsWith('POST /big')) {
          // Answers at once and stops reading: the rest of the body stays unsent.
          socket.pause();
          socket.write(
            response('{"error":"rate limited"}', { 'retry-after': '1' }, 'HTTP/1.1 429 Too Many Requests'),
          );
        } else socket.write(response(JSON.stringify({ requestLine })));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const nodeFetch = createNodeHttpFetch();
    const limited = await nodeFetch(`${url}/big`, { method: 'POST', body: new Uint8Array(32 * 1024 * 1024) });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'rate limited' });
    const next = nodeFetch(`${url}/next`).then((answer) => answer.json());
    expect(await Promise.race([next, sleep(2_000).then(() => 'stalled')])).toEqual({
      requestLine: 'GET /next HTTP/1.1',
    });
    expect(connections).toHaveLength(2);
    // The client closed the first connection: the server, reading again, sees it end.
    const first = connections[0]!;
    const closed = new Promise((resolve) => first.once('close', resolve));
    first
      .on('error', () => undefined)
      .on('data', () => undefined)
      .resume();
    await Promise.race([closed, sleep(1_000)]);
    expect(first.destroyed).toBe(true);
  });
});

describe('connections the server closes', () => {
  it('a node:http server idle-closing connections at a short keepAliveTimeout: no request fails, none is sent twice', async () => {
    let received = 0;
    const server: HttpServer = createHttpServer((request, answer) => {
      received += 1;
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        answer.writeHead(200, { 'content-type': 'application/json' });
        answer.end(JSON.stringify({ body }));
      });
    });
    server.keepAliveTimeout = 30;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const nodeFetch = createNodeHttpFetch();
    const waits = [0, 5, 25, 28, 30, 31, 33, 35, 40, 60];
    let sent = 0;
    for (let round = 0; round < 2; round++) {
      for (const wait of waits) {
        await sleep(wait);
        const results = await Promise.all(
          [0, 1, 2].map(async (lane) => {
            sent += 1;
            const body = `${round}-${wait}-${lane}`;
            return { body, answer: await (await nodeFetch(url, { method: 'POST', body })).json() };
          }),
        );
        for (const { body, answer } of results) expect(answer).toEqual({ body });
      }
    }
    expect(received).toBe(sent);
  });

  it.each([
    ['closes (FIN) right after each answer', (socket: net.Socket) => socket.end()],
    ['resets (RST) right after each answer', (socket: net.Socket) => socket.resetAndDestroy()],
    [
      'closes a few milliseconds after each answer',
      (socket: net.Socket) => setTimeout(() => socket.end(), 3),
    ],
    [
      'resets a few milliseconds after each answer',
      (socket: net.Socket) => setTimeout(() => socket.resetAndDestroy(), 3),
    ],
  ])('a server that %s without saying so: every request gets its answer, sent once', async (_name, close) => {
    const server = await rawServer((request) => {
      request.connection.socket.write(echo(request));
      close(request.connection.socket);
    });
    const nodeFetch = createNodeHttpFetch();
    for (let index = 0; index < 20; index++) {
      if (index % 3 === 1) await sleep(index % 2 ? 1 : 6);
      const body = `request ${index}`;
      expect(await (await nodeFetch(server.url, { method: 'POST', body })).json()).toMatchObject({ body });
    }
    expect(server.requests).toHaveLength(20);
  });

  it('Keep-Alive: timeout=2 → the pool closes the idle connection after about 1 s, before the server would', async () => {
    const server = await rawServer((request) =>
      request.connection.socket.write(response('{}', { 'keep-alive': 'timeout=2' })),
    );
    const nodeFetch = createNodeHttpFetch();
    await (await nodeFetch(server.url)).json();
    const answered = Date.now();
    await server.connections[0]!.whenClosed;
    const idle = Date.now() - answered;
    expect(server.connections[0]!.closedByClient).toBe(true);
    expect(idle).toBeGreaterThanOrEqual(900);
    expect(idle).toBeLessThan(1_800);
  });

  it('Keep-Alive: timeout=1 (or 0) → the connection is not kept at all', async () => {
    const server = await rawServer((request) =>
      request.connection.socket.write(
        echo(request)
          .toString('latin1')
          .replace('\r\n\r\n', `\r\nkeep-alive: timeout=${request.target.slice(1)}\r\n\r\n`),
      ),
    );
    const nodeFetch = createNodeHttpFetch();
    for (const timeout of ['1', '0', '1']) {
      const started = Date.now();
      expect(await (await nodeFetch(`${server.url}/${timeout}`)).json()).toMatchObject({
        target: `/${timeout}`,
      });
      await server.connections.at(-1)!.whenClosed;
      expect(Date.now() - started).toBeLessThan(500);
      expect(server.connections.at(-1)!.closedByClient).toBe(true);
    }
    expect(server.connections).toHaveLength(3);
  });
});

describe('many requests at once', () => {
  it('300 concurrent requests, then 300 more: each answer is its own, the connections are reused', async () => {
    const server = await rawServer(async (request) => {
      // Answers out of order, in pieces.
      await sleep(Number(request.headers['x-id']) % 7);
      const bytes = response(
        JSON.stringify({
          id: request.headers['x-id'],
          target: request.target,
          body: request.body.toString(),
        }),
      );
      await writeCut(request.connection.socket, bytes, [Number(request.headers['x-id']) % bytes.length]);
    });
    const nodeFetch = createNodeHttpFetch();
    const wave = (from: number) =>
      Promise.all(
        Array.from({ length: 300 }, async (_, index) => {
          const id = String(from + index);
          const answer = await nodeFetch(`${server.url}/item/${id}`, {
            method: 'POST',
            headers: { 'x-id': id },
            body: `body ${id}`,
          });
          return { id, answer: (await answer.json()) as Record<string, string> };
        }),
      );
    for (const { id, answer } of await wave(0))
      expect(answer).toEqual({ id, target: `/item/${id}`, body: `body ${id}` });
    const afterFirst = server.connections.length;
    expect(afterFirst).toBeLessThanOrEqual(300);
    for (const { id, answer } of await wave(1000))
      expect(answer).toEqual({ id, target: `/item/${id}`, body: `body ${id}` });
    expect(server.connections.length).toBe(afterFirst);
    expect(server.requests).toHaveLength(600);
  });
});

describe('what is sent', () => {
  it.each([
    ['CR LF and another header', { 'x-value': 'a\r\nx-injected: 1' }],
    ['a bare LF', { 'x-value': 'a\nb' }],
    ['a bare CR', { 'x-value': 'a\rb' }],
    ['NUL', { 'x-value': 'a\0b' }],
    ['a name with a space', { 'x bad': 'v' }],
    ['a name with a colon', { 'x:bad': 'v' }],
    ['a name with CR LF', { 'x\r\nbad': 'v' }],
    ['pairs with CR LF', [['x-value', 'a\r\n\r\nGET /smuggled HTTP/1.1']]],
  ])('a header with %s is refused before anything is sent', async (_name, headers) => {
    const server = await rawServer((request) => request.connection.socket.write(echo(request)));
    const nodeFetch = createNodeHttpFetch();
    const error = await fetchFailure(
      nodeFetch(server.url, { method: 'POST', body: '{}', headers: headers as RequestInit['headers'] }),
    );
    expect(error).toBeInstanceOf(TypeError);
    await sleep(20);
    expect(server.connections).toHaveLength(0);
    expect(server.bytesReceived).toBe(0);
  });

  it('trims white space around header values and sends the URL as one request line, as fetch does', async () => {
    const seen: RawRequest[] = [];
    const server = await rawServer((request) => {
      seen.push(request);
      request.connection.socket.write(echo(request));
    });
    const nodeFetch = createNodeHttpFetch();
    await nodeFetch(`${server.url}/a path/x\r\ny?q=1 2#fragment`, {
      headers: { 'x-value': ' \tpadded\r\n' },
    });
    await fetch(`${server.url}/a path/x\r\ny?q=1 2#fragment`, { headers: { 'x-value': ' \tpadded\r\n' } });
    const [ours, reference] = seen;
    expect(ours!.target).toBe(reference!.target);
    expect(ours!.target).toBe('/a%20path/xy?q=1%202');
    expect(ours!.headers['x-value']).toBe('padded');
    expect(ours!.headers.host).toBe(`127.0.0.1:${server.port}`);
  });

  it('refuses a body on GET and HEAD as fetch does, without sending anything', async () => {
    const server = await rawServer((request) => request.connection.socket.write(echo(request)));
    const nodeFetch = createNodeHttpFetch();
    for (const method of ['GET', 'get', 'HEAD', 'head']) {
      for (const body of ['x', '', new Uint8Array(1)]) {
        expect(await fetchFailure(fetch(server.url, { method, body }))).toBeInstanceOf(TypeError);
        expect(await fetchFailure(nodeFetch(server.url, { method, body }))).toBeInstanceOf(TypeError);
      }
    }
    expect(server.bytesReceived).toBe(0);
  });

  it('reads header values as fetch does: latin1 bytes, only spaces and tabs trimmed', async () => {
    // Leading white space only: fetch keeps a trailing space (RFC 9110 §5.5 says to drop it; this does).
    const value = Buffer.concat([Buffer.from(' \t'), Buffer.from('voilà ✓'), Buffer.from([0xa0])]);
    const server = await rawServer((request) =>
      request.connection.socket.write(
        Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-value:'),
          value,
          Buffer.from('\r\ncontent-length: 2\r\n\r\n{}'),
        ]),
      ),
    );
    const reference = (await fetch(server.url)).headers.get('x-value');
    // The bytes of `à` (C3 A0) and the lone A0 at the end are kept.
    expect(reference).toBe(`${Buffer.from('voilà ✓').toString('latin1')}\u00a0`);
    expect((await createNodeHttpFetch()(server.url)).headers.get('x-value')).toBe(reference);
  });

  it('sends byte bodies exactly: a view into a larger buffer, an ArrayBuffer, an empty body', async () => {
    const server = await rawServer((request) =>
      request.connection.socket.write(
        response(
          JSON.stringify({ hex: request.body.toString('hex'), length: request.headers['content-length'] }),
        ),
      ),
    );
    const nodeFetch = createNodeHttpFetch();
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const cases: Array<[NonNullable<RequestInit['body']>, string]> = [
      [backing.subarray(2, 5), '020304'],
      [backing.buffer.slice(6), '0607'],
      ['', ''],
      [new Uint8Array(0), ''],
    ];
    for (const [body, hex] of cases) {
      expect(await (await nodeFetch(server.url, { method: 'POST', body })).json()).toEqual({
        hex,
        length: String(hex.length / 2),
      });
    }
    // A POST without a body says so (content-length: 0), as fetch does.
    expect(await (await nodeFetch(server.url, { method: 'POST' })).json()).toEqual({ hex: '', length: '0' });
  });

  it.skipIf(!hasIpv6Loopback())('talks to an IPv6 literal host, with a bracketed Host header', async () => {
    const seen: string[] = [];
    const server = net.createServer((socket) => {
      socket.once('data', (chunk) => {
        seen.push(chunk.toString('latin1'));
        socket.write(response('{"v6":true}'));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    cleanups.push(async () => {
      server.close();
    });
    const port = (server.address() as net.AddressInfo).port;
    const answer = await createNodeHttpFetch()(`http://[::1]:${port}/six`);
    expect(await answer.json()).toEqual({ v6: true });
    expect(answer.url).toBe(`http://[::1]:${port}/six`);
    expect(seen[0]).toMatch(new RegExp(`^GET /six HTTP/1.1\r\nhost: \\[::1\\]:${port}\r\n`));
  });

  it('normalises methods as fetch does, and refuses the ones fetch refuses without sending anything', async () => {
    const server = await rawServer((request) =>
      request.connection.socket.write(response('', { 'x-method': request.method, 'content-length': '0' })),
    );
    const nodeFetch = createNodeHttpFetch();
    for (const method of [
      'get',
      'post',
      'Put',
      'delete',
      'head',
      'options',
      'patch',
      'PATCH',
      'PURGE',
      'm-search',
    ]) {
      const reference = await fetch(server.url, { method });
      const ours = await nodeFetch(server.url, { method });
      expect(ours.headers.get('x-method'), method).toBe(reference.headers.get('x-method'));
    }
    const before = server.bytesReceived;
    for (const method of ['GE T', '', 'GET\r\n', 'G(E)T', 'CONNECT', 'connect', 'TRACE', 'track']) {
      const reference = await fetchFailure(fetch(server.url, { method }));
      const ours = await fetchFailure(nodeFetch(server.url, { method }));
      expect(reference, method).toBeInstanceOf(TypeError);
      expect(ours, method).toBeInstanceOf(TypeError);
    }
    expect(server.bytesReceived).toBe(before);
  });

  it('answers with the URL as fetch does (no fragment), and refuses credentials in the URL as fetch does', async () => {
    const server = await rawServer((request) => request.connection.socket.write(echo(request)));
    const nodeFetch = createNodeHttpFetch();
    const url = `${server.url}/path?q=1#fragment`;
    expect((await nodeFetch(url)).url).toBe((await fetch(url)).url);
    const credentialed = `http://user:secret@127.0.0.1:${server.port}/`;
    const reference = await fetchFailure(fetch(credentialed));
    const ours = await fetchFailure(nodeFetch(credentialed));
    expect(reference).toBeInstanceOf(TypeError);
    expect(ours).toBeInstanceOf(TypeError);
    expect(server.requests.filter((request) => request.headers.authorization !== undefined)).toHaveLength(0);
  });
});

describe('streamed answers and back-pressure', () => {
  it('pauses the connection while a large streamed answer is not read, and delivers every byte when it is', async () => {
    const total = 32 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024);
    let flushed = 0;
    const hash = createHash('sha256');
    const server = await rawServer(async (request) => {
      const { socket } = request.connection;
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${total}\r\n\r\n`,
      );
      for (let sent = 0; sent < total; sent += piece.length) {
        for (let index = 0; index < piece.length; index += 4)
          piece.writeUInt32LE((sent + index) >>> 2, index);
        hash.update(piece);
        // Counts what the kernel took, not what waits in the server's own buffer.
        const more = socket.write(Buffer.from(piece), () => {
          flushed += piece.length;
        });
        if (!more) await new Promise((resolve) => socket.once('drain', resolve));
        if (socket.destroyed) return;
      }
    });
    const answer = await createNodeHttpFetch()(server.url);
    // Wait until the server can write no more.
    let last = -1;
    while (flushed !== last) {
      last = flushed;
      await sleep(100);
    }
    expect(flushed).toBeLessThan(total / 4);
    const received = createHash('sha256');
    let bytes = 0;
    const reader = answer.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      received.update(chunk.value);
      bytes += chunk.value.byteLength;
    }
    expect(bytes).toBe(total);
    expect(received.digest('hex')).toBe(hash.digest('hex'));
  });
});

describe('content codings', () => {
  const payload = JSON.stringify({ text: 'coded ✓ '.repeat(3000) });
  const codings: Record<string, Buffer> = {
    gzip: gzipSync(payload),
    'x-gzip': gzipSync(payload),
    GZIP: gzipSync(payload),
    deflate: deflateSync(payload),
    br: brotliCompressSync(payload),
    'gzip, br': brotliCompressSync(gzipSync(payload)),
    'deflate, gzip': gzipSync(deflateSync(payload)),
    identity: Buffer.from(payload),
  };

  it.each(
    Object.keys(codings),
  )('%s: JSON and streamed, whole and chunked in pieces, decoded as fetch decodes', async (coding) => {
    const server = await rawServer(async (request) => {
      const [, type, framing] = request.target.split('/');
      const body = codings[coding]!;
      const contentType = type === 'json' ? 'application/json' : 'text/plain';
      const bytes =
        framing === 'chunked'
          ? Buffer.concat([
              Buffer.from(
                `HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\ncontent-encoding: ${coding}\r\ntransfer-encoding: chunked\r\n\r\n`,
              ),
              chunked([body.subarray(0, 10), body.subarray(10, 100), body.subarray(100)]),
            ])
          : response(body, { 'content-type': contentType, 'content-encoding': coding });
      await writeCut(request.connection.socket, bytes, [50, 120, bytes.length - 5]);
    });
    const nodeFetch = createNodeHttpFetch();
    for (const path of ['/json/length', '/json/chunked', '/text/length', '/text/chunked']) {
      const reference = await (await fetch(server.url + path)).text();
      expect(reference).toBe(payload);
      expect(await (await nodeFetch(server.url + path)).text(), path).toBe(reference);
    }
  });

  it('a JSON answer whose gzip is corrupt resolves and fails to read with terminated; streamed, the stream errors; the connection stays usable', async () => {
    const corrupt = Buffer.from(gzipSync(payload));
    corrupt.fill(0x55, 20, 60);
    const server = await rawServer((request) => {
      if (request.target === '/ok') return void request.connection.socket.write(echo(request));
      const type = request.target === '/json' ? 'application/json' : 'text/plain';
      request.connection.socket.write(
        response(corrupt, { 'content-type': type, 'content-encoding': 'gzip' }),
      );
    });
    const nodeFetch = createNodeHttpFetch();
    const json = await nodeFetch(`${server.url}/json`);
    expect(json.status).toBe(200);
    const jsonError = await fetchFailure(json.json());
    expect(jsonError).toBeInstanceOf(TypeError);
    expect(jsonError.message).toBe('terminated');
    // The JSON answer's framing was sound: its connection is reused.
    expect(await (await nodeFetch(`${server.url}/ok`)).json()).toMatchObject({ target: '/ok' });
    expect(server.connections).toHaveLength(1);
    const streamError = await fetchFailure((await nodeFetch(`${server.url}/text`)).text());
    expect(streamError).toBeInstanceOf(TypeError);
    expect(streamError.message).toBe('terminated');
    expect(await (await nodeFetch(`${server.url}/ok`)).json()).toMatchObject({ target: '/ok' });
  });

  it('a large streamed answer whose coding breaks while nobody reads: the connection is let go, not left paused forever', async () => {
    // 64 MB in stored deflate blocks of 4 KiB; the ninth block's length check is broken, so decoding
    // fails there: after the unread stream has filled up and paused the connection, in bytes that
    // came before it paused. The rest cannot all fit in the sockets' buffers.
    const blockSize = 4096;
    const blocks = (64 * 1024 * 1024) / blockSize;
    const compressed = Buffer.alloc(10 + blocks * (5 + blockSize) + 5 + 8);
    compressed.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    for (let block = 0, offset = 10; block <= blocks; block++, offset += 5 + blockSize) {
      const size = block === blocks ? 0 : blockSize;
      compressed[offset] = block === blocks ? 1 : 0;
      compressed.writeUInt16LE(size, offset + 1);
      compressed.writeUInt16LE(~size & 0xffff, offset + 3);
    }
    compressed.writeUInt16LE(0, 10 + 8 * (5 + blockSize) + 3);
    expect(() => gunzipSync(compressed)).toThrow(/invalid stored block lengths/);
    let flushed = 0;
    const server = await rawServer(async (request) => {
      const { socket } = request.connection;
      socket.write(
        response('', {
          'content-type': 'application/octet-stream',
          'content-encoding': 'gzip',
          'content-length': String(compressed.length),
        }),
      );
      for (let start = 0; start < compressed.length && !socket.destroyed; start += 65_536) {
        const piece = compressed.subarray(start, start + 65_536);
        const more = socket.write(piece, () => {
          flushed += piece.length;
        });
        if (!more) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      }
    });
    const answer = await createNodeHttpFetch()(server.url);
    await Promise.race([server.connections[0]!.whenClosed, sleep(1_000)]);
    expect(server.connections[0]!.closedByClient).toBe(true);
    expect(flushed).toBeLessThan(compressed.length);
    const error = await fetchFailure(answer.arrayBuffer());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
  });
});

describe('aborts', () => {
  it('before sending, while waiting for the head, mid-JSON body and mid-stream: rejects with the reason, the server sees the connection closed', async () => {
    const server = await rawServer((request) => {
      const { socket } = request.connection;
      if (request.target === '/json')
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"partial":',
        );
      if (request.target === '/stream')
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 100\r\n\r\ndata: 1\n\n',
        );
      // '/wait' is never answered.
    });
    const nodeFetch = createNodeHttpFetch();

    const early = new AbortController();
    early.abort(new Error('before sending'));
    expect(await fetchFailure(nodeFetch(`${server.url}/wait`, { signal: early.signal }))).toHaveProperty(
      'message',
      'before sending',
    );
    await sleep(10);
    expect(server.connections).toHaveLength(0);

    for (const target of ['/wait', '/json']) {
      const controller = new AbortController();
      const pending = nodeFetch(server.url + target, {
        method: 'POST',
        body: '{}',
        signal: controller.signal,
      });
      await expect.poll(() => server.requests.some((request) => request.target === target)).toBe(true);
      await sleep(10);
      const reason = new Error(`aborted ${target}`);
      controller.abort(reason);
      expect(await fetchFailure(pending)).toBe(reason);
      const connection = server.requests.find((request) => request.target === target)!.connection;
      await connection.whenClosed;
      expect(connection.closedByClient).toBe(true);
    }

    const streaming = new AbortController();
    const answer = await nodeFetch(`${server.url}/stream`, { signal: streaming.signal });
    const reader = answer.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    const reason = new Error('mid-stream');
    streaming.abort(reason);
    expect(await fetchFailure(reader.read())).toBe(reason);
    const connection = server.requests.find((request) => request.target === '/stream')!.connection;
    await connection.whenClosed;
    expect(connection.closedByClient).toBe(true);
  });

  it('abort() without a reason rejects with an AbortError; an abort after a JSON answer changes nothing', async () => {
    const server = await rawServer((request) => {
      if (request.target === '/answer') request.connection.socket.write(echo(request));
    });
    const nodeFetch = createNodeHttpFetch();
    const controller = new AbortController();
    const pending = nodeFetch(`${server.url}/wait`, { signal: controller.signal });
    await expect.poll(() => server.requests.length).toBe(1);
    controller.abort();
    const error = await fetchFailure(pending);
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe('AbortError');

    const later = new AbortController();
    const answer = await nodeFetch(`${server.url}/answer`, { signal: later.signal });
    later.abort(new Error('too late'));
    expect(await answer.json()).toMatchObject({ target: '/answer' });
  });
});

describe('BufferedResponse behaves as Response', () => {
  const bytes = Buffer.from('\uFEFF{"a":"✓"}');
  const headersInit: Array<[string, string]> = [
    ['content-type', 'application/json; charset=utf-8'],
    ['set-cookie', 'a=1'],
    ['set-cookie', 'b=2'],
  ];
  const buffered = () =>
    new BufferedResponse(
      new Uint8Array(bytes),
      200,
      'OK',
      new Headers(headersInit),
      'http://x/',
    ) as unknown as Response;
  const reference = () =>
    new Response(new Uint8Array(bytes), { status: 200, statusText: 'OK', headers: headersInit });

  /** What a sequence of reads does: each step's value or error message. */
  async function run(response: Response, steps: Array<(response: Response) => unknown>): Promise<unknown[]> {
    const outcomes: unknown[] = [];
    for (const step of steps) {
      try {
        const value = await step(response);
        outcomes.push(
          value instanceof Blob
            ? `blob ${value.type} ${await value.text()}`
            : value instanceof ArrayBuffer
              ? `buffer ${Buffer.from(value).toString()}`
              : value instanceof Uint8Array
                ? `bytes ${Buffer.from(value).toString()}`
                : value,
        );
      } catch (error) {
        outcomes.push(`${(error as Error).name}`);
      }
      outcomes.push(`used ${response.bodyUsed}`);
    }
    return outcomes;
  }

  const readAll = async (stream: ReadableStream<Uint8Array> | null) => {
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>)
      text += Buffer.from(chunk).toString();
    return text;
  };

  const scenarios: Record<string, Array<(response: Response) => unknown>> = {
    'text twice': [(r) => r.text(), (r) => r.text()],
    'json then text': [(r) => r.json(), (r) => r.text()],
    'arrayBuffer then blob': [(r) => r.arrayBuffer(), (r) => r.blob()],
    'blob then json': [(r) => r.blob(), (r) => r.json()],
    'body stream then text': [(r) => readAll(r.body), (r) => r.text()],
    'body stream then clone': [(r) => readAll(r.body), (r) => r.clone().status],
    'clone then both read': [
      async (r) => {
        const copy = r.clone();
        return `${await copy.text()} | ${await r.text()}`;
      },
    ],
    'body taken, then clone, then both read': [
      async (r) => {
        const stream = r.body;
        const copy = r.clone();
        return `${await readAll(r.body)} | ${await copy.text()} | ${stream === r.body}`;
      },
    ],
    'clone after text': [(r) => r.text(), (r) => r.clone()],
    'body is the same stream each time': [
      (r) => {
        const first = r.body;
        return first === r.body;
      },
    ],
    'body taken but not read, then text': [(r) => r.body !== null, (r) => r.text()],
    'reader taken, then text': [(r) => Boolean(r.body!.getReader()), (r) => r.text()],
    'body cancelled, then text': [(r) => r.body!.cancel(), (r) => r.text()],
    'clone, the copy read through its stream, then the original': [
      async (r) => {
        const copy = r.clone();
        return `${await readAll(copy.body)} ${copy.bodyUsed}`;
      },
      (r) => r.text(),
    ],
  };

  it.each(Object.keys(scenarios))('%s: as a Response built around the same bytes', async (name) => {
    const expected = await run(reference(), scenarios[name]!);
    expect(await run(buffered(), scenarios[name]!)).toEqual(expected);
  });

  it('each reader reads once; after any read, every reader fails with Body is unusable', async () => {
    const readers = ['text', 'json', 'arrayBuffer', 'blob', 'bytes'] as const;
    for (const first of readers) {
      const response = buffered() as unknown as Record<(typeof readers)[number], () => Promise<unknown>> &
        Response;
      await response[first]();
      expect(response.bodyUsed).toBe(true);
      for (const second of readers) {
        const error = await fetchFailure(response[second]());
        expect(error, `${first} then ${second}`).toBeInstanceOf(TypeError);
        expect(error.message, `${first} then ${second}`).toMatch(/Body is unusable/);
      }
      expect(() => response.clone()).toThrow(TypeError);
    }
  });

  it('is instanceof Response, says Response, strips a BOM, keeps Set-Cookie apart, as a real answer', async () => {
    const server = await rawServer((request) =>
      request.connection.socket.write(
        Buffer.concat([
          Buffer.from(
            'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n',
          ),
          Buffer.from(`content-length: ${bytes.length}\r\n\r\n`),
          bytes,
        ]),
      ),
    );
    const answer = await createNodeHttpFetch()(server.url);
    expect(answer).toBeInstanceOf(BufferedResponse);
    expect(answer).toBeInstanceOf(Response);
    expect(Object.prototype.toString.call(answer)).toBe('[object Response]');
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(answer.ok).toBe(true);
    expect(answer.redirected).toBe(false);
    expect(answer.url).toBe(`${server.url}/`);
    expect(await answer.clone().json()).toEqual({ a: '✓' });
    expect(await answer.text()).toBe('{"a":"✓"}');
  });
});

describe('TLS', () => {
  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!hasOpenssl) {
    console.warn('\n\n*** openssl is missing: the TLS tests of createNodeHttpFetch are SKIPPED ***\n\n');
  }

  it.skipIf(!hasOpenssl)(
    'talks to an https server with a self-signed certificate given as ca, sends SNI for a name, reuses the connection, verifies the name',
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'rlm-tls-'));
      cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost',
          '-keyout',
          join(directory, 'key.pem'),
          '-out',
          join(directory, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const key = readFileSync(join(directory, 'key.pem'));
      const cert = readFileSync(join(directory, 'cert.pem'));
      const serverNames: Array<string | false | null> = [];
      let connections = 0;
      const server = createHttpsServer({ key, cert }, (request, answer) => {
        answer.writeHead(200, { 'content-type': 'application/json' });
        answer.end(
          JSON.stringify({ servername: (request.socket as TLSSocket).servername, path: request.url }),
        );
      });
      server.on('secureConnection', (socket: TLSSocket) => {
        connections += 1;
        serverNames.push(socket.servername);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      });
      const port = (server.address() as net.AddressInfo).port;

      const nodeFetch = createNodeHttpFetch(undefined, { tls: { ca: cert } });
      for (let index = 0; index < 3; index++) {
        expect(await (await nodeFetch(`https://localhost:${port}/${index}`)).json()).toEqual({
          servername: 'localhost',
          path: `/${index}`,
        });
      }
      expect(connections).toBe(1);
      expect(serverNames).toEqual(['localhost']);

      // The certificate names localhost, not 127.0.0.1: the name is checked.
      const wrongName = await fetchFailure(nodeFetch(`https://127.0.0.1:${port}/`));
      expect(wrongName).toBeInstanceOf(TypeError);
      expect((wrongName.cause as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      // No SNI for an address (the name check is turned off to see what the server got).
      const anyName = createNodeHttpFetch(undefined, {
        tls: { ca: cert, checkServerIdentity: () => undefined },
      });
      expect(await (await anyName(`https://127.0.0.1:${port}/ip`)).json()).toEqual({
        servername: false,
        path: '/ip',
      });

      // Without the ca, the certificate is not trusted.
      const untrusted = await fetchFailure(createNodeHttpFetch()(`https://localhost:${port}/`));
      expect(untrusted).toBeInstanceOf(TypeError);
      expect(untrusted.message).toBe('fetch failed');
      expect((untrusted.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    },
  );
});

describe('the process', () => {
  it('is not kept alive by idle connections: a script that makes requests exits right after', async () => {
    const server = await rawServer((request) =>
      request.connection.socket.write(
        request.target === '/json' ? echo(request) : response('streamed', { 'content-type': 'text/plain' }),
      ),
    );
    // The sources as plain JavaScript modules, for a plain `node` child process.
    const directory = mkdtempSync(join(tmpdir(), 'rlm-exit-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const { default: ts } = await import('typescript');
    const here = dirname(fileURLToPath(import.meta.url));
    for (const name of [
      'node-http-fetch',
      'http1-connection-pool',
      'http1-response-parser',
      'buffered-response',
    ]) {
      const source = readFileSync(join(here, `${name}.ts`), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(
        join(directory, `${name}.mjs`),
        outputText.replace(/from '\.\/([\w-]+)'/g, "from './$1.mjs'"),
      );
    }
    writeFileSync(
      join(directory, 'script.mjs'),
      `import { createNodeHttpFetch } from './node-http-fetch.mjs';
const nodeFetch = createNodeHttpFetch();
const json = await (await nodeFetch(process.argv[2] + '/json', { method: 'POST', body: 'x' })).json();
const text = await (await nodeFetch(process.argv[2] + '/text')).text();
console.log(JSON.stringify({ json, text, at: Date.now() }));
`,
    );
    const child = spawn(process.execPath, [join(directory, 'script.mjs'), server.url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const exitedAt = await new Promise<number>((resolve) => child.on('exit', () => resolve(Date.now())));
    const printed = JSON.parse(output) as { json: unknown; text: string; at: number };
    expect(printed.json).toMatchObject({ method: 'POST', target: '/json', body: 'x' });
    expect(printed.text).toBe('streamed');
    expect(exitedAt - printed.at).toBeLessThan(1_000);
    // The requests shared one connection, left idle in the pool when the script ended.
    expect(server.connections).toHaveLength(1);
  });
});

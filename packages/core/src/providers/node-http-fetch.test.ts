import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from './node-http-fetch';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1 answering with `handler`; returns its base URL. */
async function serve(handler: Handler): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => handler(request, body, response));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const nodeFetch = createNodeHttpFetch();

describe('createNodeHttpFetch', () => {
  it('sends the method, headers and body, and answers JSON with status, headers and url', async () => {
    const { url } = await serve((request, body, response) => {
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.writeHead(201, 'Made', {
        'content-type': 'application/json; charset=utf-8',
        'x-request-id': 'r1',
      });
      response.end(
        JSON.stringify({
          method: request.method,
          auth: request.headers.authorization,
          body,
          length: request.headers['content-length'],
        }),
      );
    });
    const sent = JSON.stringify({ prompt: 'héllo ✓' });
    const response = await nodeFetch(`${url}/v1/chat`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body: sent,
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${url}/v1/chat`);
    expect(response.headers.get('x-request-id')).toBe('r1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({
      method: 'POST',
      auth: 'Bearer k',
      body: sent,
      length: String(Buffer.byteLength(sent)),
    });
  });

  it('takes plain-object headers and byte bodies', async () => {
    const { url } = await serve((request, body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ custom: request.headers['x-custom'], body }));
    });
    const bytes = new TextEncoder().encode('bytes ✓');
    for (const body of [bytes, bytes.buffer.slice(0)]) {
      const response = await nodeFetch(url, { method: 'POST', headers: { 'x-custom': 'yes' }, body });
      expect(await response.json()).toEqual({ custom: 'yes', body: 'bytes ✓' });
    }
  });

  it('streams a server-sent-events answer as it arrives, not after it ends', async () => {
    let finish: (() => void) | undefined;
    const { url } = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      finish = () => response.end('data: last\n\n');
    });
    const response = await nodeFetch(url, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('data: first\n\n');
    finish!();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += decoder.decode(chunk.value);
    expect(rest).toBe('data: last\n\n');
  });

  it('decodes gzip, deflate and brotli answers, whole and streamed, and asks for them as fetch does', async () => {
    const payload = JSON.stringify({ text: 'x'.repeat(5000) });
    const { url } = await serve((request, _body, response) => {
      const encoding = request.url!.slice(1);
      const type = request.headers['x-type'] as string;
      const compressed = encoding === 'br' ? brotliCompressSync(payload) : gzipSync(payload);
      response.writeHead(200, {
        'content-type': type,
        'content-encoding': encoding === 'br' ? 'br' : 'gzip',
        'x-accept': String(request.headers['accept-encoding']),
      });
      response.end(compressed);
    });
    for (const encoding of ['gzip', 'br']) {
      for (const type of ['application/json', 'text/event-stream']) {
        const response = await nodeFetch(`${url}/${encoding}`, { headers: { 'x-type': type } });
        expect(response.headers.get('x-accept')).toBe('gzip, deflate, br');
        expect(await response.text()).toBe(payload);
      }
    }
  });

  it('answers a 204 with no body', async () => {
    const { url } = await serve((_request, _body, response) => {
      response.writeHead(204);
      response.end();
    });
    const response = await nodeFetch(url, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects with the fetch shape (TypeError, cause with the code) when nothing listens', async () => {
    const { url, server } = await serve(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    const error = await nodeFetch(url, { method: 'POST', body: '{}' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('rejects with the abort reason: aborted before sending, while waiting, and while streaming', async () => {
    const closed: string[] = [];
    const { url } = await serve((request, _body, response) => {
      request.socket.on('close', () => closed.push(request.url!));
      if (request.url === '/stream') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: one\n\n');
      }
      // '/wait' never answers.
    });
    const early = new AbortController();
    early.abort(new Error('stopped early'));
    await expect(nodeFetch(`${url}/wait`, { signal: early.signal })).rejects.toThrow('stopped early');

    const waiting = new AbortController();
    const pending = nodeFetch(`${url}/wait`, { method: 'POST', body: '{}', signal: waiting.signal });
    setTimeout(() => waiting.abort(new Error('stopped while waiting')), 50);
    await expect(pending).rejects.toThrow('stopped while waiting');

    const streaming = new AbortController();
    const response = await nodeFetch(`${url}/stream`, { signal: streaming.signal });
    const reader = response.body!.getReader();
    await reader.read();
    streaming.abort(new Error('stopped mid-stream'));
    await expect(reader.read()).rejects.toThrow('stopped mid-stream');
    // The connections were closed, not left open to the server.
    await expect.poll(() => closed.sort()).toEqual(['/stream', '/wait']);
  });

  it('fails reading a JSON answer cut off before its declared length, as built-in fetch does', async () => {
    const { url } = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    // As with built-in fetch: the headers came, so the response resolves and reading its body fails.
    const response = await nodeFetch(url);
    expect(response.status).toBe(200);
    const error = await response.text().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(String((error as Error).cause)).toMatch(/aborted|closed|ECONNRESET/i);
  });

  it('reuses connections, and sends again on a new one when a reused socket was already closed by the server', async () => {
    let requests = 0;
    const { url, sockets } = await serve((request, _body, response) => {
      requests += 1;
      // The second request on a connection finds it closed: what a server's idle timeout does.
      if (request.url === '/stale' && requests === 2) {
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ requests, port: request.socket.remotePort }));
    });
    const first = (await (await nodeFetch(`${url}/fresh`)).json()) as { port: number };
    const second = (await (await nodeFetch(`${url}/stale`, { method: 'POST', body: '{}' })).json()) as {
      requests: number;
      port: number;
    };
    expect(second.requests).toBe(3);
    expect(second.port).not.toBe(first.port);
    expect(sockets.size).toBe(1);
    const third = (await (await nodeFetch(`${url}/fresh`)).json()) as { port: number };
    expect(third.port).toBe(second.port);
  });

  it('does not send again when a new connection fails: the error reaches the caller', async () => {
    let requests = 0;
    const { url } = await serve((request) => {
      requests += 1;
      request.socket.destroy();
    });
    const error = await nodeFetch(url, { method: 'POST', body: '{}' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(requests).toBe(1);
  });

  it('leaves what it does not send itself to the fallback: Request objects, streams, other protocols, redirects', async () => {
    const { url } = await serve((request, _body, response) => {
      if (request.url === '/moved') {
        response.writeHead(307, { location: '/here' });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ at: request.url }));
    });
    const given: string[] = [];
    const recording = createNodeHttpFetch((input, init) => {
      given.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    });
    expect(await (await recording(new Request(`${url}/request`))).json()).toEqual({ at: '/request' });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{}'));
        controller.close();
      },
    });
    expect(
      await (
        await recording(`${url}/stream`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
      ).json(),
    ).toEqual({ at: '/stream' });
    expect(await (await recording(`${url}/moved`)).json()).toEqual({ at: '/here' });
    await expect(recording('data:text/plain,hi')).resolves.toBeInstanceOf(Response);
    expect(given).toEqual([`${url}/request`, `${url}/stream`, `${url}/moved`, 'data:text/plain,hi']);
    // A plain request is sent by the Node client itself.
    expect(await (await recording(`${url}/plain`)).json()).toEqual({ at: '/plain' });
    expect(given).toHaveLength(4);
  });

  it('keeps a manual redirect as the answer', async () => {
    const { url } = await serve((_request, _body, response) => {
      response.writeHead(302, { location: '/elsewhere', 'content-type': 'text/plain' });
      response.end('moved');
    });
    const response = await nodeFetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
  });
});

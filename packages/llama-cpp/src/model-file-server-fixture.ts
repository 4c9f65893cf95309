import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

// Test-only: a real HTTP server on 127.0.0.1 that serves one file the way Hugging Face does (a
// redirect carrying the checksum, then the bytes, with range requests), and can cut a transfer.

export interface ModelFileServerOptions {
  readonly bytes: Uint8Array;
  /** The path the file is asked for at (default `/Owner/Repo/resolve/main/model.gguf`). */
  readonly path?: string;
  /** The checksum announced in `X-Linked-Etag` on the redirect. Default: the file's true SHA-256; `null`: none. */
  readonly linkedSha256?: string | null;
  /** Cut the connection after this many body bytes, on the first request only. */
  readonly cutFirstResponseAfter?: number;
  /** Ignore `Range` (answer 200 with the whole file). */
  readonly ignoreRange?: boolean;
  /** Answer every request with this status and no file. */
  readonly status?: number;
  /** Wait this long before sending the file's bytes. */
  readonly delayMs?: number;
}

export interface ModelFileServer {
  readonly origin: string;
  /** The file's URL (the redirecting one). */
  readonly url: string;
  /** Every request's path and `Range` header, in order. */
  readonly requests: { path: string; range: string | undefined }[];
}

export const DEFAULT_FILE_PATH = '/Owner/Repo/resolve/main/model.gguf';

export async function startModelFileServer(options: ModelFileServerOptions): Promise<ModelFileServer> {
  const path = options.path ?? DEFAULT_FILE_PATH;
  const sha256 = createHash('sha256').update(options.bytes).digest('hex');
  const requests: ModelFileServer['requests'] = [];
  let served = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const range = request.headers.range;
    requests.push({ path: request.url ?? '', range });
    if (options.status !== undefined) {
      response.writeHead(options.status).end('no');
      return;
    }
    if (request.url === path) {
      const linked = options.linkedSha256 === undefined ? sha256 : options.linkedSha256;
      response.writeHead(302, {
        location: '/cdn/blob',
        ...(linked === null
          ? {}
          : { 'x-linked-etag': `"${linked}"`, 'x-linked-size': String(options.bytes.length) }),
      });
      response.end();
      return;
    }
    if (request.url !== '/cdn/blob') {
      response.writeHead(404).end('not found');
      return;
    }
    const total = options.bytes.length;
    const start = !options.ignoreRange && range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    if (start >= total && start > 0) {
      response.writeHead(416, { 'content-range': `bytes */${total}` }).end();
      return;
    }
    const body = options.bytes.subarray(start);
    response.writeHead(start > 0 ? 206 : 200, {
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      ...(start > 0 ? { 'content-range': `bytes ${start}-${total - 1}/${total}` } : {}),
    });
    served++;
    if (options.delayMs) {
      setTimeout(() => response.end(body), options.delayMs);
      return;
    }
    const cut = served === 1 ? options.cutFirstResponseAfter : undefined;
    if (cut !== undefined) {
      response.write(body.subarray(0, cut), () => {
        // Let the bytes reach the client, then drop the connection mid-body.
        setTimeout(() => request.socket.destroy(), 20);
      });
      return;
    }
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    // Not waiting for close: the client's idle keep-alive sockets would hold it for seconds.
    server.close();
    server.closeAllConnections();
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, url: `${origin}${path}`, requests };
}

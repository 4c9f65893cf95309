import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RLMEvent } from '@rlm/core';

/** What the viewer shows: a trajectory file, or a run in progress fed through `publish`. */
export type ViewerSource = { readonly file: string } | { readonly live: true; readonly title?: string };

export interface ViewerServerOptions {
  readonly source: ViewerSource;
  /** Port on 127.0.0.1; 0 (the default) takes a free one. */
  readonly port?: number;
  /** The folder of the built page (`index.html`, `app.js`, `worker.js`, `app.css`); found beside this module by default. */
  readonly assetsDirectory?: string;
}

/** A running viewer. Only 127.0.0.1 can reach it; nothing it serves leaves the machine. */
export interface ViewerServer {
  readonly url: string;
  readonly port: number;
  /** Live mode: one event of the run, sent to every open page (and replayed to pages opened later). */
  publish(event: RLMEvent): void;
  /**
   * Live mode: the run ended and this is its saved trajectory (JSONL text, or the path of the file
   * it was written to); open pages switch to it.
   */
  finish(saved: { readonly jsonl: string } | { readonly file: string }): void;
  close(): Promise<void>;
}

const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/worker.js': 'worker.js',
  '/app.css': 'app.css',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Starts the viewer's server on 127.0.0.1 (a free port unless `port` is given). */
export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const assets = options.assetsDirectory ?? findAssetsDirectory();
  const { source } = options;
  const live = 'live' in source;
  const events: string[] = [];
  const listeners = new Set<ServerResponse>();
  let saved: { jsonl: string } | { file: string } | undefined =
    'file' in source ? { file: source.file } : undefined;
  let port = 0;

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    // Only pages of this origin: a web page elsewhere cannot read the run through a rebound DNS name.
    const host = request.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      response
        .writeHead(403, { 'content-type': 'text/plain' })
        .end('Open the viewer at its 127.0.0.1 address.');
      return;
    }
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    const asset = ASSETS[path];
    if (asset) {
      const file = join(assets, asset);
      if (!existsSync(file)) {
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`The viewer's page is not built (${file} is missing): run pnpm --filter @rlm/viewer build.`);
        return;
      }
      response.writeHead(200, {
        'content-type': TYPES[asset.split('.').pop() as string] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      response.end(readFileSync(file));
      return;
    }
    if (path === '/api/source') {
      const body = {
        mode: live ? 'live' : 'file',
        name: 'file' in source ? basename(source.file) : (source.title ?? 'live run'),
        finished: saved !== undefined,
      };
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
      return;
    }
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (path === '/api/trajectory') return serveTrajectory(response);
    if (path === '/api/events') return serveEvents(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found.');
  };

  const serveTrajectory = (response: ServerResponse) => {
    if (!saved) {
      response
        .writeHead(409, { 'content-type': 'text/plain' })
        .end('The run is still going: its trajectory is not saved yet.');
      return;
    }
    const name =
      'file' in source ? basename(source.file) : 'file' in saved ? basename(saved.file) : 'run.jsonl';
    const headers = {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-rlm-file-name': name,
    };
    if ('jsonl' in saved) {
      const body = Buffer.from(saved.jsonl, 'utf8');
      response.writeHead(200, { ...headers, 'content-length': body.byteLength });
      response.end(body);
      return;
    }
    const file = saved.file;
    let size: number;
    try {
      size = statSync(file).size;
    } catch (error) {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`Cannot read ${file}: ${(error as Error).message}`);
      return;
    }
    response.writeHead(200, { ...headers, 'content-length': size });
    createReadStream(file).pipe(response);
  };

  const serveEvents = (request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // Everything so far at once: a page opened mid-run (or reloaded) sees the run from its start.
    if (events.length > 0) response.write(events.join(''));
    if (saved !== undefined && live) {
      response.end('event: end\ndata: {}\n\n');
      return;
    }
    listeners.add(response);
    request.on('close', () => listeners.delete(response));
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    publish(event) {
      const message = `data: ${JSON.stringify(event)}\n\n`;
      events.push(message);
      for (const listener of listeners) listener.write(message);
    },
    finish(result) {
      saved = result;
      for (const listener of listeners) listener.end('event: end\ndata: {}\n\n');
      listeners.clear();
    },
    close() {
      for (const listener of listeners) listener.end();
      listeners.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The built page: `viewer-app/` beside this module (the built package, or the CLI that bundles it
 * and copies the folder beside its own file), else the package's `dist/` (running from source).
 */
function findAssetsDirectory(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, 'viewer-app'), join(here, '..', '..', 'dist', 'viewer-app')];
  return (
    candidates.find((candidate) => existsSync(join(candidate, 'index.html'))) ?? (candidates[0] as string)
  );
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

/** Options of {@link serveStreamableHttp}. */
export interface StreamableHttpOptions {
  /** Makes the MCP server of one session (each client connection gets its own). */
  readonly createServer: () => McpServer;
  /** Default `127.0.0.1`: only this machine can connect. */
  readonly host?: string;
  /** Default `0`: a free port (read it from the returned `url`). */
  readonly port?: number;
  /** The endpoint's path. Default `/mcp`. */
  readonly path?: string;
}

/** A running HTTP server. */
export interface StreamableHttpServer {
  /** The endpoint to give clients, e.g. `http://127.0.0.1:3939/mcp`. */
  readonly url: string;
  /** Stops listening, ends every session (their runs are aborted) and closes connections. */
  close(): Promise<void>;
}

/**
 * Serves MCP over Streamable HTTP with sessions: a client's `initialize` opens a session with its own
 * server, later requests carry its `Mcp-Session-Id`. Sessions, not a stateless server per request,
 * because a cancellation arrives as a separate request and must reach the run it cancels. Requests
 * whose `Host` header is not this server's are refused (DNS rebinding protection), since a web page
 * could otherwise drive a local server.
 */
export async function serveStreamableHttp(options: StreamableHttpOptions): Promise<StreamableHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const endpoint = options.path ?? '/mcp';
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  let allowedHosts: string[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== endpoint) {
      return reply(response, 404, `Not found: the MCP endpoint is ${endpoint}.`);
    }
    const sessionId = request.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.transport.handleRequest(request, response);
    if (request.method !== 'POST') {
      return reply(response, 400, 'No valid session: start one with an initialize request (POST).');
    }
    const body = await readJson(request).catch(() => undefined);
    if (!isInitializeRequest(body)) {
      return reply(
        response,
        400,
        'No valid session: the first request must be initialize (or the session ended).',
      );
    }
    const server = options.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      server.close().catch(() => undefined);
    };
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  };

  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, `Internal error: ${(error as Error).message}`);
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  allowedHosts = [`${hostInUrl}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
  return {
    url: `http://${hostInUrl}:${port}${endpoint}`,
    close: async () => {
      for (const { transport, server } of [...sessions.values()]) {
        await transport.close().catch(() => undefined);
        await server.close().catch(() => undefined);
      }
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function reply(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createRLM } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRlmMcpServer } from './create-rlm-mcp-server';
import { PathConfinement } from './path-confinement';
import type { RlmAsk } from './rlm-ask';
import { type StreamableHttpServer, serveStreamableHttp } from './serve-streamable-http';

/*
 * The library without the CLI: an embedding program's own `ask` (core, QuickJS and a scripted model
 * reading the files itself), served over Streamable HTTP to the SDK's client.
 */

let folder: string;
let http: StreamableHttpServer;
const disposed: string[] = [];

/** Reads the files (checking each), runs the RLM, and reports; the root model counts the documents. */
const ask: RlmAsk = async ({ question, paths, text, signal, onEvent, checkFile }) => {
  const documents: string[] = [];
  for (const path of paths) {
    await checkFile(path);
    documents.push(await readFile(path, 'utf8'));
  }
  if (text) documents.push(text);
  const slow = question.includes('slowly');
  const environment = createQuickJSEnvironment();
  const rlm = createRLM({
    model: new MockLanguageModel({
      responses: [
        {
          text: '```javascript\nFINAL(String(context.length) + " documents, " + (await llm_query("hi")))\n```',
          latencyMs: slow ? 30_000 : 0,
        },
      ],
    }),
    subModel: new MockLanguageModel({ responses: () => 'hello' }),
    environment,
  });
  try {
    const result = await rlm.completion(question, { context: documents, signal, onEvent });
    return {
      answer: result.answer,
      partial: false,
      status: 'answered',
      turns: result.turns,
      durationMs: result.durationMs,
      costUsd: result.costUsd,
      usage: result.usage,
    };
  } finally {
    await environment.dispose?.();
    disposed.push(question);
  }
};

beforeAll(async () => {
  folder = await realpath(await mkdtemp(join(tmpdir(), 'rlm-mcp-http-')));
  await mkdir(join(folder, 'docs'));
  await writeFile(join(folder, 'docs', 'a.md'), 'alpha');
  await writeFile(join(folder, 'docs', 'b.md'), 'beta');
  const confinement = await PathConfinement.of([folder], folder);
  http = await serveStreamableHttp({ createServer: () => createRlmMcpServer({ confinement, ask }) });
});
afterAll(async () => {
  await http?.close();
  await rm(folder, { recursive: true, force: true });
});

async function connect(): Promise<Client> {
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  return client;
}

describe('serveStreamableHttp with createRlmMcpServer', () => {
  it('listens on 127.0.0.1 at /mcp and answers each session with its own server', async () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const [first, second] = [await connect(), await connect()];
    const results = (await Promise.all([
      first.callTool({ name: 'rlm_ask', arguments: { question: 'q1', paths: ['docs/a.md', 'docs/b.md'] } }),
      second.callTool({ name: 'rlm_ask', arguments: { question: 'q2', text: 'gamma' } }),
    ])) as CallToolResult[];
    expect(results.map((result) => result.content[0])).toEqual([
      { type: 'text', text: '2 documents, hello' },
      { type: 'text', text: '1 documents, hello' },
    ]);
    expect(results[0]!.content[1]).toMatchObject({
      type: 'text',
      text: expect.stringMatching(/^answered: 1 turn, /),
    });
    await Promise.all([first.close(), second.close()]);
  });

  it('refuses nothing-to-read and an empty question as tool errors', async () => {
    const client = await connect();
    const none = (await client.callTool({ name: 'rlm_ask', arguments: { question: 'q' } })) as CallToolResult;
    expect(none.isError).toBe(true);
    expect(none.content[0]).toMatchObject({ text: expect.stringContaining('Nothing to read: give paths') });
    const empty = (await client.callTool({
      name: 'rlm_ask',
      arguments: { question: '', text: 'x' },
    })) as CallToolResult;
    expect(empty.isError).toBe(true);
    await client.close();
  });

  it('refuses a request for another host (DNS rebinding), another path, and a request without a session', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const post = (url: string, body: unknown, extra: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    // fetch will not set Host itself; a raw request does.
    const { request } = await import('node:http');
    const rebinding = await new Promise<number>((resolve, reject) => {
      const url = new URL(http.url);
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...headers, host: 'evil.example:80' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify(initialize));
    });
    expect(rebinding).toBe(403);
    expect((await post(http.url.replace('/mcp', '/other'), initialize)).status).toBe(404);
    const noSession = await post(http.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(noSession.status).toBe(400);
    expect(await noSession.text()).toContain('first request must be initialize');
    expect((await post(http.url, initialize)).status).toBe(200);
  });

  it('close() ends the sessions: a run in flight is aborted and its sandbox disposed', async () => {
    const confinement = await PathConfinement.of([folder], folder);
    const own = await serveStreamableHttp({ createServer: () => createRlmMcpServer({ confinement, ask }) });
    const client = new Client({ name: 'test', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(own.url)));
    const call = client.callTool({ name: 'rlm_ask', arguments: { question: 'answer slowly', text: 'x' } });
    call.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await own.close();
    await expect.poll(() => disposed.includes('answer slowly'), { timeout: 5_000 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await client.close().catch(() => undefined);
  });
});

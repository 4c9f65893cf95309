import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  LoggingMessageNotificationSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { readTrajectoryJsonl } from '@rlm/core';
import { type RecordedRequest, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_CLI } from './run-built-cli';
import { LOG_A, LOG_B, logAnalystReply } from './scripted-log-analyst';

/*
 * `rlm mcp` / `rlm-mcp` driven by the MCP SDK's own client, over stdio and over Streamable HTTP, the
 * models being @rlm/test-server: the same cases on both transports.
 */

const BUILT_RLM_MCP = fileURLToPath(new URL('../dist/rlm-mcp.mjs', import.meta.url));

let server: TestServer;
let workspace: string;
let root: string;
let outside: string;

beforeAll(async () => {
  server = await startTestServer({ respond: logAnalystReply });
  workspace = await mkdtemp(join(tmpdir(), 'rlm-mcp-'));
  root = join(workspace, 'root');
  outside = join(workspace, 'outside');
  await mkdir(join(root, 'logs'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(root, 'logs', 'a.log'), `${LOG_A}\n`);
  await writeFile(join(root, 'logs', 'b.log'), `${LOG_B}\n`);
  await writeFile(join(outside, 'secret.log'), '2025-03-01 10:00:02 ERROR secret leaked\n');
  // Ways out of the root through links: a file link and a folder link.
  await symlink(join(outside, 'secret.log'), join(root, 'linked-secret.log'));
  await symlink(outside, join(root, 'linked-folder'));
});
afterAll(async () => {
  await server.close();
  await rm(workspace, { recursive: true, force: true });
});
beforeEach(() => {
  server.setResponder(logAnalystReply);
  server.requests.length = 0;
});

/** Priced models (so that costs and --max-cost count), at the test server unless `toServer` is false. */
const runArgs = (toServer: boolean) => [
  '--root',
  root,
  '--model',
  'openai:gpt-5.4-mini',
  ...(toServer ? ['--base-url', server.openaiBaseURL] : []),
  '--trajectory-dir',
  join(workspace, 'trajectories'),
];
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: workspace });

interface Connection {
  readonly client: Client;
  readonly logs: string[];
  readonly stderr: () => string;
  close(): Promise<void>;
}

async function connectStdio(env: Record<string, string>, toServer = true): Promise<Connection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUILT_RLM_MCP, ...runArgs(toServer)],
    cwd: root,
    env: { ...baseEnv(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return connect(
    transport,
    () => stderr,
    async () => undefined,
  );
}

async function connectHttp(env: Record<string, string>, toServer = true): Promise<Connection> {
  const child = spawn(process.execPath, [BUILT_CLI, 'mcp', '--http', '--port', '0', ...runArgs(toServer)], {
    cwd: root,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const found = /serving rlm_ask at (http:\/\/\S+);/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`rlm mcp --http exited with ${code}: ${stderr}`)));
  });
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  return connect(
    new StreamableHTTPClientTransport(new URL(url)),
    () => stderr,
    () => stop(child),
  );
}

async function connect(
  transport: StdioClientTransport | StreamableHTTPClientTransport,
  stderr: () => string,
  stopServer: () => Promise<void>,
): Promise<Connection> {
  const client = new Client({ name: 'rlm-mcp-test', version: '0.0.0' });
  const logs: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(String(notification.params.data));
  });
  await client.connect(transport);
  return {
    client,
    logs,
    stderr,
    close: async () => {
      await client.close();
      await stopServer();
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function texts(result: CallToolResult): string[] {
  return result.content.flatMap((item) => (item.type === 'text' ? [item.text] : []));
}

const ASK = 'How many errors of each kind?';
const KEY = { RLM_API_KEY: 'dummy-key' };

describe.each([
  ['stdio', connectStdio],
  ['Streamable HTTP', connectHttp],
] as const)('rlm mcp over %s', (_transport, open) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await open(KEY);
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('lists rlm_ask with its input schema', async () => {
    const { tools } = await connection.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['rlm_ask']);
    const schema = tools[0]!.inputSchema as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(['max_cost_usd', 'paths', 'question', 'text']);
    expect(schema.required).toEqual(['question']);
  });

  it('answers over a folder with usage, cost and a trajectory link, sending progress as it runs', async () => {
    const progress: Progress[] = [];
    const result = (await connection.client.callTool(
      { name: 'rlm_ask', arguments: { question: ASK, paths: ['logs'] } },
      undefined,
      { onprogress: (update) => progress.push(update) },
    )) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(texts(result)[0]).toBe('disk: 3, network: 1');
    expect(texts(result)[1]).toMatch(/^answered: 2 turns, .*tokens, \$/);
    const structured = result.structuredContent as Record<string, unknown>;
    expect(structured).toMatchObject({
      answer: 'disk: 3, network: 1',
      partial: false,
      turns: 2,
      context: { documents: 2 },
      failedSubCalls: { count: 0, total: 4 },
    });
    // Two root turns and four sub-calls, as the test server saw them.
    const usage = structured.usage as { inputTokens: number; outputTokens: number; calls: number };
    expect(usage).toMatchObject({ calls: 6, inputTokens: 1200 + 1500 + 4 * 40, outputTokens: 60 + 120 + 4 });
    expect(server.requests).toHaveLength(6);
    const link = result.content.find((item) => item.type === 'resource_link');
    expect(link).toMatchObject({ mimeType: 'application/jsonl' });
    const file = fileURLToPath((link as { uri: string }).uri);
    expect(structured.trajectoryFile).toBe(file);
    const trajectory = await readTrajectoryJsonl(file);
    expect(trajectory.answer).toBe('disk: 3, network: 1');
    expect(structured.costUsd).toBeGreaterThan(0);
    expect(structured.costUsd).toBeCloseTo(trajectory.usage!.total.costUsd, 9);
    // Progress: one per turn at least, growing, saying where the run is.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.map((update) => update.progress)).toEqual(
      [...progress.map((update) => update.progress)].sort((a, b) => a - b),
    );
    expect(new Set(progress.map((update) => update.progress)).size).toBe(progress.length);
    expect(progress[0]!.message).toMatch(/^turn 1\/\d+, 0 sub-calls/);
    expect(progress.some((update) => /^turn 2\/\d+/.test(update.message ?? ''))).toBe(true);
  });

  it('reads text, a glob and files together', async () => {
    const result = (await connection.client.callTool({
      name: 'rlm_ask',
      arguments: { question: ASK, paths: ['logs/*.log'], text: '2025-03-02 ERROR network down' },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(texts(result)[0]).toBe('disk: 3, network: 2');
    expect(result.structuredContent).toMatchObject({ context: { documents: 3 } });
  });

  it.each([
    ['a parent path', '../outside/secret.log'],
    ['an absolute path elsewhere', '/etc/hostname'],
    ['a glob climbing out', 'logs/../../outside/*.log'],
    ['a link to a file outside', 'linked-secret.log'],
    ['a link to a folder outside', 'linked-folder'],
    ['a file through a linked folder', 'linked-folder/secret.log'],
  ])('refuses %s with a clear message, sending nothing', async (_case, path) => {
    const result = (await connection.client.callTool({
      name: 'rlm_ask',
      arguments: { question: ASK, paths: ['logs', path] },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toContain(`'${path}' is outside the folders this server may read`);
    expect(texts(result)[0]).toContain(`not inside the root ${root}`);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a link out of the root met while reading a folder', async () => {
    const result = (await connection.client.callTool({
      name: 'rlm_ask',
      arguments: { question: ASK, paths: ['.'] },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toMatch(/linked-secret\.log' is outside the folders this server may read/);
    expect(server.requests).toHaveLength(0);
  });

  it('stops the run when the client cancels: no more requests, the sandbox ended, the server still answers', async () => {
    // The sub-calls never answer in time: the run is in its second turn when the client gives up.
    const seen: RecordedRequest[] = [];
    server.setResponder((request) => {
      seen.push(request);
      const isRoot = request.messages[0]?.role === 'system';
      return isRoot ? logAnalystReply(request) : { text: 'late', delayMs: 60_000 };
    });
    const controller = new AbortController();
    const call = connection.client.callTool(
      { name: 'rlm_ask', arguments: { question: ASK, paths: ['logs'] } },
      undefined,
      {
        signal: controller.signal,
        onprogress: (update) => {
          if (/^turn 2\//.test(update.message ?? '')) setTimeout(() => controller.abort(), 300);
        },
      },
    );
    await expect(call).rejects.toThrow(/abort/i);
    await expect
      .poll(() => connection.logs.join('\n'), { timeout: 10_000 })
      .toMatch(/rlm_ask cancelled after [\d.]+s: the run was aborted and its sandbox disposed/);
    const sent = seen.length;
    expect(sent).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.length).toBe(sent);
    server.setResponder(logAnalystReply);
    const again = (await connection.client.callTool({
      name: 'rlm_ask',
      arguments: { question: ASK, paths: ['logs/a.log'] },
    })) as CallToolResult;
    expect(texts(again)[0]).toBe('disk: 1, network: 1');
  });

  it('caps a call with max_cost_usd: the partial answer and the stop, not an error', async () => {
    server.setResponder((request) => {
      const reply = logAnalystReply(request);
      return { ...reply, usage: { inputTokens: 1_000_000, outputTokens: 10 } } as typeof reply;
    });
    const result = (await connection.client.callTool({
      name: 'rlm_ask',
      arguments: { question: ASK, paths: ['logs'], max_cost_usd: 0.0001 },
    })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ status: 'stopped by --max-cost', partial: false });
    expect(texts(result)[0]).toMatch(/^No answer: /);
    expect(result.isError).toBe(true);
  });
});

describe('rlm mcp: concurrent rlm_ask calls', () => {
  it('share one concurrency window per model, as the runs of one process do', async () => {
    // Each call's root fans out 30 sub-calls at once, every answer after 100 ms.
    const fanOutServer = await startTestServer({
      latencyMs: 100,
      respond: (request: RecordedRequest) => {
        if (request.messages[0]?.role !== 'system') return { text: 'ok' };
        const turn = request.messages.filter((message) => message.role === 'assistant').length;
        return {
          text:
            turn === 0
              ? '```javascript\nconst answers = await llm_query_batched(Array.from({ length: 30 }, (_, i) => "item " + i));\nconsole.log(answers.length);\n```'
              : '```javascript\nFINAL("done")\n```',
        };
      },
    });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        BUILT_RLM_MCP,
        '--root',
        root,
        '--model',
        'openai:gpt-5.4-mini',
        '--base-url',
        fanOutServer.openaiBaseURL,
        '--trajectory-dir',
        join(workspace, 'trajectories'),
      ],
      cwd: root,
      // A fixed window of 6: separate windows per call would let 12 through at once.
      env: { ...baseEnv(), ...KEY, RLM_CONCURRENCY: '6' },
      stderr: 'pipe',
    });
    const connection = await connect(
      transport,
      () => '',
      async () => undefined,
    );
    try {
      const results = (await Promise.all(
        [0, 1, 2].map((index) =>
          connection.client.callTool({
            name: 'rlm_ask',
            arguments: { question: `Count the items (${index}).`, text: 'some text' },
          }),
        ),
      )) as CallToolResult[];
      for (const result of results) expect(texts(result)[0], JSON.stringify(result)).toContain('done');
      const stats = fanOutServer.concurrency();
      expect(fanOutServer.requests.filter((request) => request.messages[0]?.role !== 'system')).toHaveLength(
        90,
      );
      expect(stats.peak).toBeLessThanOrEqual(6);
      // And the window was used: the calls did overlap.
      expect(stats.peak).toBe(6);
    } finally {
      await connection.close();
      await fanOutServer.close();
    }
  }, 60_000);
});

describe.each([
  ['stdio', connectStdio],
  ['Streamable HTTP', connectHttp],
] as const)('rlm mcp over %s without a key', (_transport, open) => {
  it('reports the missing key as the tool error and keeps serving', async () => {
    // No key for OpenAI itself (a --base-url server may need none).
    const connection = await open({}, false);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = (await connection.client.callTool({
          name: 'rlm_ask',
          arguments: { question: ASK, paths: ['logs'] },
        })) as CallToolResult;
        expect(result.isError).toBe(true);
        expect(texts(result)[0]).toMatch(/^rlm_ask failed: .*OPENAI_API_KEY/);
      }
      expect((await connection.client.listTools()).tools).toHaveLength(1);
      expect(server.requests).toHaveLength(0);
    } finally {
      await connection.close();
    }
  });
});

describe('rlm mcp arguments', () => {
  it('--help names the options and the registration commands within 100 columns; plain rlm names rlm mcp', async () => {
    const { runBuiltCli } = await import('./run-built-cli');
    const run = await runBuiltCli(['mcp', '--help'], { cwd: workspace });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('--root DIR');
    expect(run.stdout).toContain('npx @modelcontextprotocol/inspector --cli');
    expect(run.stdout.split('\n').filter((line) => line.length > 100)).toEqual([]);
    const bare = await runBuiltCli([], { cwd: workspace });
    expect(bare.stderr).toContain('rlm mcp --root DIR... --model PROVIDER:MODEL');
  });

  it('refuses a question, --context, a bad port and a missing root as usage errors, each saying why', async () => {
    const { runBuiltCli } = await import('./run-built-cli');
    const cases: [string[], RegExp][] = [
      [['mcp', 'what is this?'], /rlm mcp: 'what is this\?': rlm mcp takes no question/],
      [['mcp', '--context', 'x'], /--context: the client names the paths \(give the server --root DIR\)/],
      [['mcp', '--port', 'x'], /--port must be a whole number from 0 to 65535/],
      [['mcp', '--root', 'no-such-folder'], /The root 'no-such-folder' does not exist/],
    ];
    // Side by side: four processes cost the time of one.
    const runs = await Promise.all(
      cases.map(([args]) =>
        runBuiltCli([...args, '--model', 'openai:x'], { cwd: workspace, timeoutMs: 20_000 }),
      ),
    );
    runs.forEach((run, index) => {
      expect(run.exitCode, run.stderr).toBe(2);
      expect(run.stderr).toMatch(cases[index]![1]);
    });
  });

  it('writes nothing but JSON-RPC messages to stdout over stdio (its own lines go to stderr)', async () => {
    const child = spawn(process.execPath, [BUILT_RLM_MCP, ...runArgs(true)], {
      cwd: root,
      env: { ...baseEnv(), ...KEY },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const answered = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('"id":3')) resolve();
      });
    });
    const send = (message: object) =>
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    send({
      id: 3,
      method: 'tools/call',
      params: { name: 'rlm_ask', arguments: { question: ASK, paths: ['logs'] } },
    });
    await answered;
    await stop(child);
    const lines = stdout.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(stderr).toContain('serving rlm_ask over stdio');
  });
});

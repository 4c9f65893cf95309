/**
 * `--concurrency N` fixes each model's window at N; without it the window adapts to what the server
 * takes (issue 14). The built CLI against `@rlm/test-server` over HTTP.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';

let folder: string;
const servers: TestServer[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-concurrency-'));
  await writeFile(join(folder, 'a.txt'), 'text');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A root that sends `count` sub-calls in one batch and answers with how many did not fail. */
function fanOut(count: number) {
  return (request: RecordedRequest) => {
    if (request.messages[0]?.role !== 'system') return { text: 'ok' };
    const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
    if (turn > 1) return { text: '```javascript\nFINAL("late")\n```' };
    return {
      text: `\`\`\`javascript\nconst answers = await llm_query_batched(Array.from({ length: ${count} }, (_, i) => "chunk " + i));\nFINAL(String(answers.filter((a) => !a.startsWith("Error")).length));\n\`\`\``,
    };
  };
}

async function serve(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

const run = (server: TestServer, extra: readonly string[]) =>
  runBuiltCli(
    [
      'q',
      '-c',
      'a.txt',
      '--model',
      'openai:m',
      '--base-url',
      server.openaiBaseURL,
      '--tools',
      'none',
      ...extra,
    ],
    { cwd: folder, env: { RLM_API_KEY: 'dummy-key' }, timeoutMs: 60_000 },
  );

describe('rlm --concurrency', () => {
  it.each([1, 3, 24])('--concurrency %i: that many requests at once at most, and reached', async (fixed) => {
    // Three waves of answers slow enough that each wave's requests all arrive before it is answered.
    const server = await serve({ respond: fanOut(3 * fixed), latencyMs: 300 });
    const result = await run(server, ['--concurrency', String(fixed)]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${3 * fixed}\n`);
    expect(server.concurrency().peak).toBe(fixed);
  }, 60_000);

  it('without it the window adapts: cut on the server’s 429s (the log says so), no sub-call fails', async () => {
    const server = await serve({
      respond: fanOut(100),
      latencyMs: 200,
      concurrencyLimit: { max: 6, retryAfterMs: 50 },
    });
    const result = await run(server, []);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('100\n');
    // Line mode (stderr is a pipe): each cut is one line.
    expect(result.stderr).toMatch(/openai:m rate-limited \(429\): concurrency 16 → 8/);
    expect(result.stderr).not.toMatch(/failed/);
    expect(server.concurrency().rejected).toBeGreaterThan(0);
  }, 60_000);

  it('--help says what --concurrency does', async () => {
    const result = await runBuiltCli(['--help'], { cwd: folder });
    expect(result.stdout).toMatch(/--concurrency N[\s\S]*Fixes the model calls in flight at once, per model/);
  });
});

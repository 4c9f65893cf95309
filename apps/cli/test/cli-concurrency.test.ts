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

const run = (server: TestServer, extra: readonly string[], cwd = folder) =>
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
    { cwd, env: { RLM_API_KEY: 'dummy-key' }, timeoutMs: 60_000 },
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

  it('a run within 10 minutes of one that reached a higher window on the same server starts there; a rate limit or --no-concurrency-memory does not', async () => {
    // Each run in its own home, so that only its own runs are remembered.
    const home = await mkdtemp(join(tmpdir(), 'rlm-cli-concurrency-memory-'));
    await writeFile(join(home, 'a.txt'), 'text');
    const server = await serve({ respond: fanOut(100), latencyMs: 300 });
    const runIn = (extra: readonly string[]) => run(server, extra, home);
    /** Sub-call requests that arrived before the run's first sub-call could have been answered. */
    const firstWave = (from: number) => {
      const subCalls = server.requests
        .slice(from)
        .filter((request) => request.messages[0]?.role !== 'system');
      const first = subCalls[0]!.receivedAt;
      return subCalls.filter((request) => request.receivedAt < first + 250).length;
    };
    try {
      let from = server.requests.length;
      const fresh = await runIn([]);
      expect(fresh.stdout).toBe('100\n');
      expect(firstWave(from)).toBe(16);
      expect(fresh.stderr).not.toMatch(/concurrency starts at/);

      from = server.requests.length;
      const remembered = await runIn([]);
      expect(remembered.stdout).toBe('100\n');
      // The window the first run reached: its 100 sub-calls took it from 16 to around 60.
      const startedAt =
        /rlm: concurrency starts at (\d+), the window the run of \d+(\.\d+)?s ago reached with openai:m on this server without a rate limit \(--no-concurrency-memory starts at 16\)\./.exec(
          remembered.stderr,
        );
      expect(startedAt, remembered.stderr).not.toBeNull();
      const window = Number(startedAt![1]);
      expect(window).toBeGreaterThanOrEqual(48);
      expect(window).toBeLessThanOrEqual(64);
      expect(firstWave(from)).toBe(window);

      from = server.requests.length;
      const asked = await runIn(['--no-concurrency-memory']);
      expect(asked.stdout).toBe('100\n');
      expect(firstWave(from)).toBe(16);

      // The same model on another server is another memory; a fixed window neither reads nor writes it.
      const limited = await serve({
        respond: fanOut(30),
        latencyMs: 50,
        concurrencyLimit: { max: 6, retryAfterMs: 20 },
      });
      const limitedRun = (extra: readonly string[]) => run(limited, extra, home);
      expect((await limitedRun([])).stdout).toBe('30\n');
      // Cut by the server's 429s: nothing remembered for it, so the next run starts at 16 again.
      const again = await limitedRun([]);
      expect(again.stdout).toBe('30\n');
      expect(again.stderr).not.toMatch(/concurrency starts at/);
      expect(again.stderr).toMatch(/rate-limited \(429\): concurrency 16 → 8/);
      // The first server's memory is still there.
      from = server.requests.length;
      const later = await runIn([]);
      const laterWindow = Number(/concurrency starts at (\d+)/.exec(later.stderr)?.[1]);
      expect(laterWindow).toBeGreaterThanOrEqual(window);
      expect(firstWave(from)).toBe(laterWindow);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);

  it('--help says what --concurrency does', async () => {
    const result = await runBuiltCli(['--help'], { cwd: folder });
    expect(result.stdout).toMatch(/--concurrency N[\s\S]*Fixes the model calls in flight at once, per model/);
  });
});

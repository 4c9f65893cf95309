import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedRequest, ScriptedReply } from '@rlm/test-server';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';

/**
 * A cell that never yields must not hold the CLI hostage: Ctrl-C (SIGINT) during `for (;;) {}`
 * ends the run within about a second, in every environment. Before, QuickJS ran cells on the
 * CLI's own thread, so the signal was not even seen until the cell's deadline (120 s).
 */

/** The root model writes a busy cell; a sub-model is never asked. */
function busyReply(request: RecordedRequest): ScriptedReply {
  const isRoot = request.messages[0]?.role === 'system';
  if (!isRoot) return { text: 'unused' };
  return { text: 'Let me count forever.\n```javascript\nfor (;;) {}\n```' };
}

/**
 * Ctrl-C to exit: about a second when idle, with room for a loaded 2-core CI machine (2 s was seen
 * there at load 20); without the fix it is the cell timeout, 120 s.
 */
const EXIT_AFTER_INTERRUPT_MS = 3_000;

let server: TestServer;
let folder: string;
beforeAll(async () => {
  server = await startTestServer({ respond: busyReply });
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-busy-'));
  await writeFile(join(folder, 'data.txt'), 'some context\n');
});
afterAll(async () => {
  await server.close();
  await rm(folder, { recursive: true, force: true });
});

describe('rlm with a busy cell', () => {
  for (const environment of ['quickjs', 'isolated-vm', 'deno']) {
    it(`${environment}: Ctrl-C during for (;;) {} ends the run within seconds (not at the cell timeout), exit 130`, async () => {
      let interruptedAt = 0;
      let child: { kill(signal: NodeJS.Signals): boolean } | undefined;
      let stderrSoFar = '';
      const run = runBuiltCli(
        [
          'How long is it?',
          '-c',
          'data.txt',
          '--env',
          environment,
          '--model',
          'openai:root',
          '--base-url',
          server.openaiBaseURL,
        ],
        {
          cwd: folder,
          env: { RLM_API_KEY: 'dummy-key' },
          timeoutMs: 60_000,
          onSpawn: (spawned) => {
            child = spawned;
            spawned.stderr?.on('data', (chunk: Buffer | string) => {
              stderrSoFar += String(chunk);
            });
          },
        },
      );
      // The root model has answered and the cell is running once the first turn is under way.
      const waitStarted = Date.now();
      while (!/turn 1\//.test(stderrSoFar) && Date.now() - waitStarted < 30_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stderrSoFar, 'the first turn never started').toMatch(/turn 1\//);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      interruptedAt = Date.now();
      child?.kill('SIGINT');
      const result = await run;
      const exitAfterMs = Date.now() - interruptedAt;
      expect(result.exitCode, result.stderr).toBe(130);
      expect(exitAfterMs, `the CLI took ${exitAfterMs} ms to end after SIGINT`).toBeLessThan(
        EXIT_AFTER_INTERRUPT_MS,
      );
    }, 90_000);
  }
});

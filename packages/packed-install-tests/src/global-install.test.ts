import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoResponder, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { plainEnvironment, REPOSITORY_ROOT, run } from './public-packages';

/** What the demo models answer about the demo log (the root README's quick start shows it). */
const DEMO_ANSWER_TEXT = 'disk: 65\nnetwork: 35\nauth: 18\ndatabase: 13';
const DEMO_LOG = join(REPOSITORY_ROOT, 'packages/test-server/demo/server-log.txt');

/**
 * What a user does: `npm install -g` the packed CLI with core and the two optional environments
 * (third-party dependencies from the npm registry; isolated-vm compiles its addon from source,
 * which is most of this test's time), then runs `rlm` from the prefix's bin folder. The CLI
 * bundles the providers, so no provider package is installed.
 */
describe('rlm installed with npm install -g from the packed tarballs', () => {
  let prefix: string;
  let server: TestServer;
  let installSeconds = 0;

  beforeAll(async () => {
    prefix = await mkdtemp(join(tmpdir(), 'rlm-global-'));
    server = await startTestServer({ respond: demoResponder });
  });
  afterAll(async () => {
    await server?.close();
    if (prefix) await rm(prefix, { recursive: true, force: true });
  });

  it(
    'installs cli, core, env-deno and env-isolated-vm (isolated-vm built from source)',
    async () => {
      const tarballs = inject('tarballs');
      const started = performance.now();
      const result = await run(
        'npm',
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--no-fund',
          '--no-audit',
          '--allow-scripts=isolated-vm',
          ...['@rlm/cli', '@rlm/core', '@rlm/env-deno', '@rlm/env-isolated-vm'].map(
            (name) => tarballs[name]!,
          ),
        ],
        { cwd: prefix, timeoutMs: 14 * 60_000 },
      );
      installSeconds = (performance.now() - started) / 1000;
      console.log(`npm install -g took ${installSeconds.toFixed(0)}s`);
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toMatch(/ERESOLVE|peer dep/i);
    },
    15 * 60_000,
  );

  for (const environment of ['quickjs', 'isolated-vm', 'deno']) {
    it(`rlm --env ${environment} answers the demo question against the test server`, async () => {
      expect(installSeconds, 'the install test ran first and passed').toBeGreaterThan(0);
      const result = await run(
        join(prefix, 'bin', 'rlm'),
        [
          'How many errors of each kind?',
          '--context',
          DEMO_LOG,
          '--base-url',
          server.openaiBaseURL,
          '--model',
          'openai:demo-root',
          '--sub-model',
          'openai:demo-sub',
          '--env',
          environment,
          '--json',
        ],
        { cwd: prefix, env: plainEnvironment({ RLM_API_KEY: 'not-needed' }), timeoutMs: 90_000 },
      );
      expect(result.code, result.output).toBe(0);
      const report = JSON.parse(result.stdout) as { answer: string; exitCode: number };
      expect(report.answer.trim()).toBe(DEMO_ANSWER_TEXT);
      expect(report.exitCode).toBe(0);
    }, 120_000);
  }
});

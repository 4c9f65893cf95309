import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';
import { LOG_A, logAnalystReply } from './scripted-log-analyst';

// `--model ai-sdk:PACKAGE:MODEL`: an AI SDK provider package's ready-made instance, its key and
// base URL from its own variables, through fromAISDK; here @ai-sdk/anthropic against the test server.
let server: TestServer;
let folder: string | undefined;
beforeAll(async () => {
  server = await startTestServer({ respond: logAnalystReply });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.requests.length = 0;
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function logFolder(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-ai-sdk-'));
  await writeFile(join(folder, 'app.log'), LOG_A);
  return folder;
}

describe('rlm --model ai-sdk:PACKAGE:MODEL', () => {
  it('runs an AI SDK provider package as root and sub-model, with its own key and base URL variables', async () => {
    const cwd = await logFolder();
    const run = await runBuiltCli(
      [
        'How many errors of each kind?',
        '--context',
        'app.log',
        '--model',
        'ai-sdk:@ai-sdk/anthropic:claude-sonnet-4-5',
        '--sub-model',
        'ai-sdk:@ai-sdk/anthropic:claude-haiku-4-5',
      ],
      { cwd, env: { ANTHROPIC_API_KEY: 'ai-sdk-key', ANTHROPIC_BASE_URL: `${server.url}/v1` } },
    );
    expect(run.stderr).not.toMatch(/rlm: (Unexpected|Could not)/);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('disk: 1, network: 1\n');
    expect(
      server.requests.map((request) => [request.protocol, request.model, request.headers['x-api-key']]),
    ).toEqual([
      ['anthropic', 'claude-sonnet-4-5', 'ai-sdk-key'],
      ['anthropic', 'claude-sonnet-4-5', 'ai-sdk-key'],
      ['anthropic', 'claude-haiku-4-5', 'ai-sdk-key'],
      ['anthropic', 'claude-haiku-4-5', 'ai-sdk-key'],
    ]);
    // Known model ids are priced from core's catalog.
    expect(run.stderr).toMatch(/rlm: answered · 2 turns .* \$0\.0\d+/);
  });

  it.each([
    [
      'a package that is not installed',
      'ai-sdk:@ai-sdk/not-installed-here:m',
      /not installed here .* npm install @ai-sdk\/not-installed-here/s,
    ],
    ['no model after the package', 'ai-sdk:@ai-sdk/anthropic', /ai-sdk:PACKAGE:MODEL/],
    [
      'a package without a ready-made provider',
      'ai-sdk:@rlm/core:m',
      /exports no ready-made AI SDK provider/,
    ],
  ])('refuses %s with a usage error, before anything is sent', async (_name, model, message) => {
    const cwd = await logFolder();
    const run = await runBuiltCli(['q', '--context', 'app.log', '--model', model], {
      cwd,
      env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: `${server.url}/v1` },
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('reports a missing key with the provider’s own variable', async () => {
    const cwd = await logFolder();
    const run = await runBuiltCli(
      ['q', '--context', 'app.log', '--model', 'ai-sdk:@ai-sdk/anthropic:claude-sonnet-4-5'],
      { cwd, env: { ANTHROPIC_BASE_URL: `${server.url}/v1` } },
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('ANTHROPIC_API_KEY');
    expect(server.requests).toHaveLength(0);
  });
});

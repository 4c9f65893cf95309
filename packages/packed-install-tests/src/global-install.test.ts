import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { demoResponder, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { plainEnvironment, REPOSITORY_ROOT, run } from './public-packages';

/** What the demo models answer about the demo log (the root README's quick start shows it). */
const DEMO_ANSWER_TEXT = 'disk: 65\nnetwork: 35\nauth: 18\ndatabase: 13';
const DEMO_LOG = join(REPOSITORY_ROOT, 'packages/test-server/demo/server-log.txt');

/**
 * What a user does: `npm install -g` the packed CLI with core and the two optional environments
 * (third-party dependencies from the npm registry), then runs `rlm` from the prefix's bin folder.
 * The CLI bundles the providers, so no provider package is installed.
 *
 * isolated-vm compiles its addon from source on install (~6 min on 2 cores, a third of CI). The
 * workspace's own `pnpm install` on this machine has already compiled the same version against the
 * same Node, so the install runs without scripts and the workspace's compiled addon is copied in
 * (only when the versions match; otherwise, or with RLM_PACKED_BUILD_FROM_SOURCE=1, npm rebuilds it
 * from source as a user's install would). The `--env isolated-vm` run below then proves the
 * installed package loads and runs it.
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
    'installs cli, core, env-deno and env-isolated-vm',
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
          '--ignore-scripts',
          ...['@rlm/cli', '@rlm/core', '@rlm/env-deno', '@rlm/env-isolated-vm'].map(
            (name) => tarballs[name]!,
          ),
        ],
        { cwd: prefix, timeoutMs: 14 * 60_000 },
      );
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toMatch(/ERESOLVE|peer dep/i);
      const addon = await provideIsolatedVmAddon(prefix);
      installSeconds = (performance.now() - started) / 1000;
      console.log(`npm install -g took ${installSeconds.toFixed(0)}s (isolated-vm addon: ${addon})`);
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

  it('rlm-mcp (the MCP SDK bundled in, nothing more installed) answers rlm_ask over stdio', async () => {
    expect(installSeconds, 'the install test ran first and passed').toBeGreaterThan(0);
    const child = spawn(
      join(prefix, 'bin', 'rlm-mcp'),
      [
        '--root',
        dirname(DEMO_LOG),
        '--base-url',
        server.openaiBaseURL,
        '--model',
        'openai:demo-root',
        '--sub-model',
        'openai:demo-sub',
      ],
      {
        cwd: prefix,
        env: plainEnvironment({ RLM_API_KEY: 'not-needed', HOME: prefix }),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const answered = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('"id":2')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`rlm-mcp exited with ${code}: ${stderr}`)));
    });
    const send = (message: object) =>
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    send({
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'packed', version: '0' },
      },
    });
    send({ method: 'notifications/initialized' });
    const question = 'How many errors of each kind?';
    send({
      id: 2,
      method: 'tools/call',
      params: { name: 'rlm_ask', arguments: { question, paths: [DEMO_LOG] } },
    });
    try {
      await answered;
    } finally {
      child.kill();
    }
    const reply = stdout
      .split('\n')
      .filter((line) => line.includes('"id":2'))
      .map((line) => JSON.parse(line) as { result: { content: { text?: string }[]; isError?: boolean } })[0]!;
    expect(reply.result.isError, stderr).toBeUndefined();
    expect(reply.result.content[0]!.text!.trim()).toBe(DEMO_ANSWER_TEXT);
  }, 120_000);
});

/** isolated-vm's package folder as `fromPackageJson`'s package resolves it. */
function isolatedVmFolder(fromPackageJson: string): string {
  return dirname(createRequire(fromPackageJson).resolve('isolated-vm/package.json'));
}

function packageVersion(folder: string): string {
  return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Gives the globally installed isolated-vm its compiled addon (see the describe's comment): the
 * workspace's build of the same version, or a build from source. Returns which one it was.
 */
async function provideIsolatedVmAddon(prefix: string): Promise<string> {
  const installed = isolatedVmFolder(join(prefix, 'lib/node_modules/@rlm/env-isolated-vm/package.json'));
  const workspace = isolatedVmFolder(join(REPOSITORY_ROOT, 'packages/env-isolated-vm/package.json'));
  const compiled = join(workspace, 'out/isolated_vm.node');
  if (
    process.env.RLM_PACKED_BUILD_FROM_SOURCE !== '1' &&
    existsSync(compiled) &&
    packageVersion(installed) === packageVersion(workspace)
  ) {
    await cp(join(workspace, 'out'), join(installed, 'out'), { recursive: true });
    return `the workspace's build of isolated-vm ${packageVersion(workspace)}`;
  }
  const rebuilt = await run('npm', ['rebuild', '--global', '--prefix', prefix, 'isolated-vm'], {
    cwd: prefix,
    timeoutMs: 14 * 60_000,
  });
  expect(rebuilt.code, rebuilt.output).toBe(0);
  return `built from source (isolated-vm ${packageVersion(installed)})`;
}

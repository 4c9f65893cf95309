import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { denoRunCommand } from '@rlm/core/environment';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDenoBinary } from './resolve-deno-binary';

/**
 * The second wall: code that got out of the sandbox's V8 context into the child's own realm, with
 * the `Deno` namespace in hand, still meets the permissions of the command line. A probe program run
 * with exactly the environment's command line tries everything a child must not do.
 */
const PROBE = `
const [contextPath, repoFile, writablePath, port] = Deno.args;
const outcomes = {};
async function attempt(name, action) {
  try { await action(); outcomes[name] = 'allowed'; } catch (error) { outcomes[name] = error?.name ?? String(error); }
}
await attempt('read the context file', () => Deno.readTextFileSync(contextPath));
await attempt('read /etc/passwd', () => Deno.readTextFileSync('/etc/passwd'));
await attempt('read the repository', () => Deno.readTextFileSync(repoFile));
await attempt('list the temporary directory', () => [...Deno.readDirSync(writablePath.replace(/[^/]*$/, ''))]);
await attempt('write a file', () => Deno.writeTextFileSync(writablePath, 'x'));
await attempt('fetch from a local server', () => fetch('http://127.0.0.1:' + port + '/'));
await attempt('open a TCP connection', () => Deno.connect({ hostname: '127.0.0.1', port: Number(port) }));
await attempt('listen on a port', () => Deno.listen({ port: 0 }).close());
await attempt('read an environment variable', () => Deno.env.get('PATH'));
await attempt('run a program', () => new Deno.Command('/bin/sh', { args: ['-c', 'true'] }).outputSync());
await attempt('read system information', () => Deno.hostname());
await attempt('load a native library', () => Deno.dlopen('libc.so.6', {}));
await attempt('read a file through node:fs', async () => (await import('node:fs')).readFileSync('/etc/passwd'));
await attempt('run a program through node:child_process', async () => (await import('node:child_process')).execSync('true'));
await attempt('import from the network', () => import('https://example.com/module.js'));
await attempt('import an npm package', () => import('npm:left-pad'));
console.log(JSON.stringify(outcomes));
`;

function run(file: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

describe.skipIf(process.platform !== 'linux')('the command line of a child', () => {
  let directory: string;
  let server: Server;
  let requests = 0;
  let port: number;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'rlm-deno-command-'));
    server = createServer((_request, response) => {
      requests++;
      response.end('reached');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await new Promise((closed) => server.close(closed));
  });

  it('lets the child read the context file and do nothing else', async () => {
    const contextPath = join(directory, 'context.txt');
    const probePath = join(directory, 'probe.js');
    writeFileSync(contextPath, 'the context');
    writeFileSync(probePath, PROBE);
    const repoFile = resolve(import.meta.dirname, '../package.json');
    const { args, env } = denoRunCommand({
      readablePaths: [contextPath],
      memoryLimitMb: 128,
      cacheDirectory: directory,
      scriptPath: probePath,
    });
    const probeArgs = [contextPath, repoFile, join(directory, 'written.txt'), String(port)];
    const output = await run(resolveDenoBinary(undefined), [...args, ...probeArgs], env);
    const denied = 'NotCapable';
    expect(JSON.parse(output)).toEqual({
      'read the context file': 'allowed',
      'read /etc/passwd': denied,
      'read the repository': denied,
      'list the temporary directory': denied,
      'write a file': denied,
      'fetch from a local server': denied,
      'open a TCP connection': denied,
      'listen on a port': denied,
      'read an environment variable': denied,
      'run a program': denied,
      'read system information': denied,
      'load a native library': denied,
      'read a file through node:fs': denied,
      'run a program through node:child_process': denied,
      'import from the network': 'TypeError',
      'import an npm package': 'TypeError',
    });
    expect(requests).toBe(0);
  });

  it('passes on nothing of the host environment', async () => {
    process.env.RLM_DENO_TEST_SECRET = 'secret';
    try {
      const probePath = join(directory, 'environment.js');
      writeFileSync(probePath, 'console.log(JSON.stringify(Deno.env.toObject()));');
      const { args, env } = denoRunCommand({
        readablePaths: [probePath],
        memoryLimitMb: 128,
        cacheDirectory: directory,
        scriptPath: probePath,
      });
      // Granted here only to look: the real child may not read its environment at all.
      const output = await run(resolveDenoBinary(undefined), ['run', '--allow-env', ...args.slice(1)], env);
      expect(JSON.parse(output)).toEqual({
        DENO_DIR: directory,
        DENO_NO_PACKAGE_JSON: '1',
        DENO_NO_PROMPT: '1',
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
        // Deno adds these two itself, for its Node compatibility layer.
        DENO_NODE_SHIM_ACTIVE: '1',
        PATH: join(directory, 'node_compat_bin'),
      });
    } finally {
      delete process.env.RLM_DENO_TEST_SECRET;
    }
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from './run-built-cli';

/**
 * What a run of `rlm` loads in its main thread, and when, recorded by a module hook registered in
 * that thread only. Every module loaded before the first request is read, compiled and run at each
 * start, so what only some commands or a later moment need is loaded then. Loading acorn (needed at
 * the first cell) and QuickJS (needed in the sandbox's worker thread only) at start-up cost ~20 ms of
 * every run.
 */
let folder: string;
let loaded: string[];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-modules-'));
  await writeFile(join(folder, 'context.txt'), 'one line of context\n');
  await writeFile(
    join(folder, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  appendFileSync(process.env.RLM_TEST_MODULE_LOG, url + '\\n');
  return nextLoad(url, context);
}
`,
  );
  await writeFile(
    join(folder, 'register.mjs'),
    `import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
if (isMainThread) register(new URL('./hooks.mjs', import.meta.url));
`,
  );
  const server = await startTestServer({
    respond: (request) =>
      request.messages[0]?.role === 'system'
        ? { text: '```javascript\nconst a = await llm_query("one");\nFINAL(a + " two")\n```' }
        : { text: 'one' },
    latencyMs: 50,
  });
  try {
    const log = join(folder, 'modules.log');
    const result = await runBuiltCli(
      [
        'q',
        '-c',
        'context.txt',
        '--model',
        'openai:m',
        '--base-url',
        server.openaiBaseURL,
        '--env',
        'quickjs',
        '--tools',
        'none',
      ],
      {
        cwd: folder,
        env: {
          RLM_API_KEY: 'dummy-key',
          RLM_TEST_MODULE_LOG: log,
          NODE_OPTIONS: `--import ${join(folder, 'register.mjs')}`,
        },
        timeoutMs: 60_000,
      },
    );
    expect(result.stdout.trim(), result.stderr).toBe('one two');
    loaded = (await readFile(log, 'utf8')).trim().split('\n');
  } finally {
    await server.close();
  }
}, 90_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const indexOf = (name: string) =>
  loaded.findIndex((url) => url === name || url.includes(`/node_modules/${name}/`));

describe('the main thread of a run', () => {
  it('is recorded (the hook saw the CLI and the HTTP client load)', () => {
    expect(loaded[0]).toMatch(/dist\/cli\.mjs$/);
    expect(indexOf('node:net')).toBeGreaterThan(0);
  });

  it.each([
    ['quickjs-emscripten-core', 'QuickJS runs in the sandbox worker thread'],
    ['@jitl/quickjs-wasmfile-release-sync', 'the QuickJS build: worker thread only'],
    ['node:http', 'the viewer (rlm view) only'],
    ['node:child_process', 'opening a browser, local models'],
    ['@modelcontextprotocol/sdk', 'rlm mcp only'],
    ['@anthropic-ai/sdk', 'anthropic: models only'],
  ])('never loads %s (%s)', (name) => {
    expect(indexOf(name)).toBe(-1);
  });

  it('loads acorn (the cell rewriter) only once its first request is on its way, not at start-up', () => {
    // node:net is loaded by the first request (the HTTP client's own connection pool).
    expect(indexOf('acorn')).toBeGreaterThan(indexOf('node:net'));
  });
});

import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoRunCommand, makeDenoCacheDirectory } from './deno-command';
import { removeTemporaryDirectory } from './temporary-directory';

/**
 * What the command line says. That Deno then really refuses everything else is tested where a Deno
 * binary is installed: `@rlm/env-deno`'s `deno-command.test.ts` runs a probe program under it.
 */
describe('denoRunCommand', () => {
  const base = { memoryLimitMb: 256, cacheDirectory: '/tmp/cache', scriptPath: '/tmp/cache/child.js' };

  it('grants reading the given paths and nothing else, and runs the script last', () => {
    const { args } = denoRunCommand({ ...base, readablePaths: ['/tmp/a/context'] });
    expect(args).toEqual([
      'run',
      '--quiet',
      '--no-prompt',
      '--no-config',
      '--no-lock',
      '--no-remote',
      '--no-npm',
      '--cached-only',
      '--allow-read=/tmp/a/context',
      '--v8-flags=--max-old-space-size=256,--wasm-max-mem-pages=4096',
      '/tmp/cache/child.js',
    ]);
    expect(args.filter((arg) => arg.startsWith('--allow-'))).toEqual(['--allow-read=/tmp/a/context']);
  });

  it('lists several readable paths and one writable file, doubling commas inside paths', () => {
    const { args } = denoRunCommand({
      ...base,
      readablePaths: ['/opt/pyodide', '/tmp/a,b/snapshot', '/tmp/c/context'],
      writablePath: '/tmp/a,b/new,snapshot',
    });
    expect(args.filter((arg) => arg.startsWith('--allow-'))).toEqual([
      '--allow-read=/opt/pyodide,/tmp/a,,b/snapshot,/tmp/c/context',
      '--allow-write=/tmp/a,,b/new,,snapshot',
    ]);
  });

  it.each([
    [[] as string[]],
    [['']],
    [['/tmp/a', '']],
  ])('refuses the readable paths %j, which Deno would read as "every file"', (readablePaths) => {
    expect(() => denoRunCommand({ ...base, readablePaths })).toThrow(/at least one readable path/);
  });

  it('refuses an empty writable path, which Deno would read as "every file"', () => {
    expect(() => denoRunCommand({ ...base, readablePaths: ['/tmp/a'], writablePath: '' })).toThrow(
      /empty writable path/,
    );
  });

  it('holds V8 and WebAssembly memory to the limit (64 KiB pages)', () => {
    for (const memoryLimitMb of [64, 512, 4096]) {
      const { args } = denoRunCommand({ ...base, memoryLimitMb, readablePaths: ['/tmp/a'] });
      expect(args).toContain(
        `--v8-flags=--max-old-space-size=${memoryLimitMb},--wasm-max-mem-pages=${memoryLimitMb * 16}`,
      );
    }
  });

  it("passes on nothing of the host's environment", () => {
    process.env.RLM_DENO_COMMAND_TEST_SECRET = 'secret';
    try {
      const { env } = denoRunCommand({ ...base, readablePaths: ['/tmp/a'] });
      expect(env).toEqual({
        DENO_DIR: '/tmp/cache',
        DENO_NO_PACKAGE_JSON: '1',
        DENO_NO_PROMPT: '1',
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
        ...(process.platform === 'win32' ? { SystemRoot: expect.any(String) } : {}),
      });
    } finally {
      delete process.env.RLM_DENO_COMMAND_TEST_SECRET;
    }
  });
});

describe('makeDenoCacheDirectory', () => {
  let parent: string;
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'rlm-deno-cache-test-'));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('makes a private directory whose location_data is an empty file no one may write', async () => {
    const directory = await makeDenoCacheDirectory(parent, 'rlm-test-cache-');
    expect(readdirSync(parent)).toContain(directory.slice(parent.length + 1));
    expect(directory.slice(parent.length + 1)).toMatch(/^rlm-test-cache-/);
    expect(readdirSync(directory)).toEqual(['location_data']);
    const locationData = join(directory, 'location_data');
    expect(statSync(locationData).size).toBe(0);
    expect(statSync(locationData).isFile()).toBe(true);
    if (process.platform !== 'win32') {
      expect(statSync(directory).mode & 0o777).toBe(0o700);
      expect(statSync(locationData).mode & 0o777).toBe(0o400);
      // Root ignores file modes; everyone else is refused.
      if (process.getuid?.() !== 0) expect(() => writeFileSync(locationData, 'x')).toThrow(/EACCES/);
    }
    await removeTemporaryDirectory(directory);
    expect(existsSync(directory)).toBe(false);
  });
});

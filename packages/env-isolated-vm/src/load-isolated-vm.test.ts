import { SandboxError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { assertNoNodeSnapshotFlag, hasNoNodeSnapshotFlag, loadIsolatedVM } from './load-isolated-vm';

/** What Node's ESM loader throws for a package that is not installed. */
function moduleNotFound(): Error {
  return Object.assign(
    new Error(
      "Cannot find package 'isolated-vm' imported from /app/node_modules/@rlm/env-isolated-vm/dist/index.mjs",
    ),
    { code: 'ERR_MODULE_NOT_FOUND' },
  );
}

async function loadFailure(importModule: () => Promise<unknown>): Promise<SandboxError> {
  const error = await loadIsolatedVM(importModule).catch((caught: unknown) => caught);
  expect(SandboxError.isInstance(error)).toBe(true);
  return error as SandboxError;
}

describe('loadIsolatedVM', () => {
  it('loads the real isolated-vm from its CommonJS default export', async () => {
    const ivm = await loadIsolatedVM();
    expect(typeof ivm.Isolate).toBe('function');
    expect(typeof ivm.Callback).toBe('function');
  });

  it('says what to install, and that it compiles from source, when isolated-vm is missing', async () => {
    const error = await loadFailure(() => Promise.reject(moduleNotFound()));
    expect(error.environmentId).toBe('isolated-vm');
    expect(error.message).toMatch(/^The package 'isolated-vm' is not installed/);
    expect(error.message).toContain('npm install isolated-vm');
    expect(error.message).toContain('python3, make and a C++ compiler');
    expect(error.message).toContain('onlyBuiltDependencies');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('says the addon was never built when the package is there without its binary', async () => {
    const error = await loadFailure(() =>
      Promise.reject(
        Object.assign(new Error("Cannot find module './out/isolated_vm'"), { code: 'MODULE_NOT_FOUND' }),
      ),
    );
    expect(error.message).toMatch(/^isolated-vm is installed, but its native addon was never built/);
    expect(error.message).toContain('pnpm rebuild isolated-vm');
  });

  it('says to rebuild when the addon was built for another Node version', async () => {
    const error = await loadFailure(() =>
      Promise.reject(
        new Error(
          "The module 'isolated_vm.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 127.",
        ),
      ),
    );
    expect(error.message).toMatch(/^isolated-vm's native addon was built for another Node\.js version/);
    expect(error.message).toContain('npm rebuild isolated-vm');
  });

  it('refuses a module that is not isolated-vm', async () => {
    const error = await loadFailure(async () => ({ default: { somethingElse: true } }));
    expect(error.message).toMatch(/has no Isolate class/);
  });
});

describe('the --no-node-snapshot check', () => {
  it('finds the flag in execArgv or NODE_OPTIONS', () => {
    expect(hasNoNodeSnapshotFlag(['--no-node-snapshot'], undefined)).toBe(true);
    expect(hasNoNodeSnapshotFlag([], '--max-old-space-size=4096 --no-node-snapshot')).toBe(true);
    expect(hasNoNodeSnapshotFlag(['--inspect'], '--no-node-snapshots')).toBe(false);
    expect(hasNoNodeSnapshotFlag([], undefined)).toBe(false);
  });

  it('passes this test process, which vitest starts with the flag', () => {
    expect(process.execArgv).toContain('--no-node-snapshot');
    expect(() => assertNoNodeSnapshotFlag()).not.toThrow();
  });

  it('refuses Node 20+ without the flag, saying how to add it, and lets older Node through', () => {
    expect(() => assertNoNodeSnapshotFlag('20.20.2', [], undefined)).toThrow(SandboxError);
    expect(() => assertNoNodeSnapshotFlag('22.1.0', ['--inspect'], '')).toThrow(
      /NODE_OPTIONS=--no-node-snapshot.*pool 'forks'.*checkNodeSnapshotFlag: false/s,
    );
    expect(() => assertNoNodeSnapshotFlag('18.20.0', [], undefined)).not.toThrow();
  });
});

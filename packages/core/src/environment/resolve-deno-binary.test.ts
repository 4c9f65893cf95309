import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../errors/sandbox-error';
import { createDenoBinaryResolver, denoPlatformPackage, resolveDenoBinary } from './resolve-deno-binary';

describe('denoPlatformPackage', () => {
  it('names the @deno/* package of each platform Deno publishes binaries for', () => {
    expect(denoPlatformPackage('linux', 'x64')).toBe('@deno/linux-x64-glibc');
    expect(denoPlatformPackage('linux', 'arm64')).toBe('@deno/linux-arm64-glibc');
    expect(denoPlatformPackage('darwin', 'arm64')).toBe('@deno/darwin-arm64');
    expect(denoPlatformPackage('darwin', 'x64')).toBe('@deno/darwin-x64');
    expect(denoPlatformPackage('win32', 'x64')).toBe('@deno/win32-x64');
    expect(denoPlatformPackage('win32', 'arm64')).toBe('@deno/win32-arm64');
    expect(denoPlatformPackage('linux', 'ia32')).toBeUndefined();
    expect(denoPlatformPackage('freebsd', 'x64')).toBeUndefined();
  });
});

/**
 * `@rlm/core` depends on no Deno: an installed environment package is laid out on disk instead, with
 * a platform package holding an executable `deno` (a shell script that answers `--version`), and the
 * binary is resolved from that package's own `require`, as an environment package does.
 */
describe.skipIf(process.platform === 'win32')('resolveDenoBinary', () => {
  const platformPackage = '@deno/test-platform';
  let root: string;
  let installedBinary: string;
  /** `require` of an environment package that has the platform package installed beside it. */
  let requireWithDeno: NodeJS.Require;
  /** `require` of an environment package whose optional dependency was not installed. */
  let requireWithoutDeno: NodeJS.Require;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rlm-resolve-deno-test-'));
    const withDeno = join(root, 'with-deno');
    const packageDirectory = join(withDeno, 'node_modules', platformPackage);
    mkdirSync(packageDirectory, { recursive: true });
    writeFileSync(join(packageDirectory, 'package.json'), JSON.stringify({ name: platformPackage }));
    installedBinary = join(packageDirectory, 'deno');
    writeFileSync(installedBinary, '#!/bin/sh\necho "deno 2.9.6 (test)"\n');
    chmodSync(installedBinary, 0o755);
    requireWithDeno = createRequire(join(withDeno, 'index.js'));
    const withoutDeno = join(root, 'without-deno');
    mkdirSync(withoutDeno);
    requireWithoutDeno = createRequire(join(withoutDeno, 'index.js'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const resolve = (
    options: Partial<Parameters<typeof resolveDenoBinary>[0]> & { environment: NodeJS.ProcessEnv },
  ) =>
    resolveDenoBinary({
      denoPath: undefined,
      environmentId: 'deno',
      packageName: '@rlm/env-deno',
      require: requireWithDeno,
      platformPackage,
      ...options,
    });

  it("finds the binary in the platform package installed beside the environment's package", () => {
    const binary = resolve({ environment: {} });
    expect(binary).toBe(installedBinary);
    expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toMatch(/^deno 2\.9\./);
  });

  it('prefers the denoPath option, then RLM_DENO_PATH', () => {
    const other = join(root, 'other-deno');
    writeFileSync(other, '#!/bin/sh\n');
    chmodSync(other, 0o755);
    expect(resolve({ denoPath: other, environment: { RLM_DENO_PATH: '/nonexistent' } })).toBe(other);
    expect(resolve({ environment: { RLM_DENO_PATH: other } })).toBe(other);
    expect(resolve({ environment: { RLM_DENO_PATH: '' } })).toBe(installedBinary);
  });

  it.each([
    ['deno', '@rlm/env-deno'],
    ['pyodide', '@rlm/env-pyodide'],
  ])('tells the user of %s to install the platform package into %s when it is missing', (environmentId, packageName) => {
    const attempt = () =>
      resolveDenoBinary({
        denoPath: undefined,
        environmentId,
        packageName,
        require: requireWithoutDeno,
        environment: {},
        platformPackage,
      });
    expect(attempt).toThrow(SandboxError);
    expect(attempt).toThrow(
      `The Deno binary for ${process.platform}-${process.arch} is missing: the optional dependency ${platformPackage} of ${packageName} was not installed. Install it (e.g. \`pnpm add ${platformPackage}\`; check that optional dependencies are not turned off), or set the denoPath option or RLM_DENO_PATH to a Deno 2.9+ binary.`,
    );
    try {
      attempt();
    } catch (error) {
      expect((error as SandboxError).environmentId).toBe(environmentId);
    }
  });

  it('looks only where the given require looks', () => {
    // Same options but the require: the environment package's own lookup is what finds the binary.
    expect(resolve({ require: requireWithDeno, environment: {} })).toBe(installedBinary);
    expect(() => resolve({ require: requireWithoutDeno, environment: {} })).toThrow(/is missing/);
  });

  it('skips a platform package that holds no executable binary', () => {
    const broken = join(root, 'broken');
    const packageDirectory = join(broken, 'node_modules', platformPackage);
    mkdirSync(packageDirectory, { recursive: true });
    writeFileSync(join(packageDirectory, 'package.json'), '{}');
    writeFileSync(join(packageDirectory, 'deno'), 'not executable', { mode: 0o644 });
    expect(() => resolve({ require: createRequire(join(broken, 'index.js')), environment: {} })).toThrow(
      /is missing: the optional dependency @deno\/test-platform of @rlm\/env-deno/,
    );
  });

  it("makes a package's own resolver, with the package's require and names", () => {
    const resolveForPackage = createDenoBinaryResolver({
      environmentId: 'pyodide',
      packageName: '@rlm/env-pyodide',
      require: requireWithDeno,
    });
    expect(resolveForPackage(undefined, {}, platformPackage)).toBe(installedBinary);
    expect(() => resolveForPackage(undefined, {}, '@deno/not-installed')).toThrow(
      expect.objectContaining({
        environmentId: 'pyodide',
        message: expect.stringContaining('@deno/not-installed of @rlm/env-pyodide was not installed'),
      }),
    );
    expect(resolveForPackage(undefined, { RLM_DENO_PATH: installedBinary }, null)).toBe(installedBinary);
  });

  it('says Deno has no package for the platform when there is none', () => {
    expect(() => resolve({ environment: {}, platformPackage: null })).toThrow(
      `Deno publishes no npm package with a binary for ${process.platform}-${process.arch}. Install Deno 2.9+ another way and set the denoPath option or RLM_DENO_PATH to its path.`,
    );
  });

  it('says what to set when the path it was given is not an executable', () => {
    expect(() => resolve({ environment: { RLM_DENO_PATH: '/nonexistent/deno' } })).toThrow(SandboxError);
    expect(() => resolve({ environment: { RLM_DENO_PATH: '/nonexistent/deno' } })).toThrow(
      'RLM_DENO_PATH points at /nonexistent/deno, which is not an executable file.',
    );
    expect(() => resolve({ denoPath: '/etc/passwd', environment: {} })).toThrow(
      'the denoPath option points at /etc/passwd, which is not an executable file.',
    );
  });
});

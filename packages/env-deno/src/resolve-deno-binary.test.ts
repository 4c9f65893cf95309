import { execFileSync } from 'node:child_process';
import { SandboxError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { denoPlatformPackage, resolveDenoBinary } from './resolve-deno-binary';

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

describe('resolveDenoBinary', () => {
  it("finds the binary of this platform's package, a Deno 2.9 or later", () => {
    const binary = resolveDenoBinary(undefined, {});
    expect(binary).toContain(`${denoPlatformPackage()}`);
    expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toMatch(/^deno 2\.(9|\d\d)\./);
  });

  it('prefers the denoPath option, then RLM_DENO_PATH', () => {
    const bundled = resolveDenoBinary(undefined, {});
    expect(resolveDenoBinary(bundled, { RLM_DENO_PATH: '/nonexistent' })).toBe(bundled);
    expect(resolveDenoBinary(undefined, { RLM_DENO_PATH: bundled })).toBe(bundled);
    expect(resolveDenoBinary(undefined, { RLM_DENO_PATH: '' })).toBe(bundled);
  });

  it('says what to install or set when the platform package is missing', () => {
    expect(() => resolveDenoBinary(undefined, {}, '@deno/not-installed')).toThrow(
      `The Deno binary for ${process.platform}-${process.arch} is missing: the optional dependency @deno/not-installed of @rlm/env-deno was not installed. Install it (e.g. \`pnpm add @deno/not-installed\`;`,
    );
    expect(() => resolveDenoBinary(undefined, {}, null)).toThrow(
      `Deno publishes no npm package with a binary for ${process.platform}-${process.arch}. Install Deno 2.9+ another way and set the denoPath option or RLM_DENO_PATH to its path.`,
    );
  });

  it('says what to set when the path it was given is not an executable', () => {
    expect(() => resolveDenoBinary(undefined, { RLM_DENO_PATH: '/nonexistent/deno' })).toThrow(SandboxError);
    expect(() => resolveDenoBinary(undefined, { RLM_DENO_PATH: '/nonexistent/deno' })).toThrow(
      'RLM_DENO_PATH points at /nonexistent/deno, which is not an executable file.',
    );
    expect(() => resolveDenoBinary('/etc/passwd', {})).toThrow(
      'the denoPath option points at /etc/passwd, which is not an executable file.',
    );
  });
});

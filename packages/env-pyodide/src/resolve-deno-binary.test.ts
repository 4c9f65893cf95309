import { execFileSync } from 'node:child_process';
import { SandboxError } from '@rlm/core';
import { denoPlatformPackage } from '@rlm/core/environment';
import { describe, expect, it } from 'vitest';
import { resolveDenoBinary } from './resolve-deno-binary';

/** The resolution itself is tested in `@rlm/core/environment`; here, that it starts from this package and names it. */
describe('resolveDenoBinary of @rlm/env-pyodide', () => {
  it("finds the binary of this platform's package, installed beside this one, a Deno 2.9 or later", () => {
    const binary = resolveDenoBinary(undefined, {});
    expect(binary).toContain(`${denoPlatformPackage()}`);
    expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toMatch(/^deno 2\.(9|\d\d)\./);
    expect(resolveDenoBinary(undefined, { RLM_DENO_PATH: binary })).toBe(binary);
  });

  it('tells the user to install the missing platform package into @rlm/env-pyodide', () => {
    let caught: unknown;
    try {
      resolveDenoBinary(undefined, {}, '@deno/not-installed');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SandboxError);
    expect((caught as SandboxError).environmentId).toBe('pyodide');
    expect((caught as SandboxError).message).toContain(
      `The Deno binary for ${process.platform}-${process.arch} is missing: the optional dependency @deno/not-installed of @rlm/env-pyodide was not installed. Install it (e.g. \`pnpm add @deno/not-installed\`;`,
    );
  });
});

import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { publicPackages, run } from './public-packages';

/** The tools' bins as pnpm links them for this package (neither exports its package.json). */
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const PUBLINT = bin('publint');
const ATTW = bin('attw');

describe('every public package as packed for publishing', () => {
  const packages = publicPackages();

  it('finds the public packages', () => {
    expect(packages.map((found) => found.name)).toEqual(
      expect.arrayContaining([
        '@rlm/ai-sdk',
        '@rlm/cli',
        '@rlm/core',
        '@rlm/env-deno',
        '@rlm/env-isolated-vm',
        '@rlm/env-pyodide',
        '@rlm/env-quickjs',
        '@rlm/llama-cpp',
        '@rlm/mcp',
        '@rlm/otel',
      ]),
    );
  });

  for (const found of packages) {
    it(`${found.name}: publint finds nothing, not even a suggestion`, async () => {
      const tarball = inject('tarballs')[found.name]!;
      const result = await run(PUBLINT, ['run', tarball, '--strict']);
      expect(result.output).toContain('All good!');
      expect(result.code, result.output).toBe(0);
    });

    // ESM only, by design: attw's esm-only profile leaves out node10 and require() from CommonJS.
    // A bin-only package (the CLI) has no types to check.
    if (!found.hasTypes) continue;
    it(`${found.name}: attw (esm-only) finds no type resolution problem in any entry`, async () => {
      const tarball = inject('tarballs')[found.name]!;
      const result = await run(ATTW, [tarball, '--profile', 'esm-only', '--format', 'ascii']);
      expect(result.code, result.output).toBe(0);
    });
  }

  it('no tarball carries TypeScript sources or the workspace-only @rlm/source condition', async () => {
    for (const [name, tarball] of Object.entries(inject('tarballs'))) {
      const listing = await run('tar', ['-tzf', tarball]);
      expect(listing.code, listing.output).toBe(0);
      expect(
        listing.stdout.split('\n').filter((file) => /^package\/src\//.test(file)),
        name,
      ).toEqual([]);
      const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as {
        exports?: unknown;
        dependencies?: unknown;
        peerDependencies?: unknown;
      };
      expect(JSON.stringify(manifest.exports ?? {}), name).not.toContain('@rlm/source');
      expect(JSON.stringify([manifest.dependencies, manifest.peerDependencies]), name).not.toContain(
        'workspace:',
      );
    }
  });
});

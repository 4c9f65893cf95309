import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachableModules, srcRoot } from '../testing/reachable-modules';

describe('@rlm/core/cache is its own entry', () => {
  it('the main @rlm/core entry never loads node:fs, and does not reach the file cache', () => {
    const { files, packages } = reachableModules(resolve(srcRoot, 'index.ts'));
    expect([...packages].filter((name) => /^(node:)?fs(\/|$)/.test(name))).toEqual([]);
    expect(files.filter((file) => file.includes('/cache/'))).toEqual([]);
  });

  it('@rlm/core/cache loads the file cache, and the package exports it for the workspace and for publishing', () => {
    const { packages } = reachableModules(resolve(srcRoot, 'cache/index.ts'));
    expect(packages.has('node:fs/promises')).toBe(true);
    const manifest = JSON.parse(readFileSync(resolve(srcRoot, '../package.json'), 'utf8'));
    expect(manifest.exports['./cache']).toEqual({
      '@rlm/source': './src/cache/index.ts',
      types: './dist/cache/index.d.mts',
      default: './dist/cache/index.mjs',
    });
    expect(manifest.publishConfig.exports['./cache']).toEqual({
      types: './dist/cache/index.d.mts',
      default: './dist/cache/index.mjs',
    });
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachableModules, srcRoot } from './reachable-modules';

/**
 * `@rlm/core/testing` must load under `node:test`, Jest or a plain script, so nothing it imports —
 * directly or through any module it reaches — may import vitest (or any test runner). Followed
 * statically over the sources, so a new import anywhere in the graph fails here.
 */

describe('@rlm/core/testing needs no test runner', () => {
  it('reaches MockLanguageModel and no vitest, jest or node:test import', () => {
    const { files, packages } = reachableModules(resolve(srcRoot, 'testing/index.ts'));
    expect(files.some((file) => file.endsWith('testing/mock-language-model.ts'))).toBe(true);
    expect([...packages].filter((name) => /vitest|jest|node:test|mocha/.test(name))).toEqual([]);
  });

  it('the suites are in @rlm/core/testing/vitest, which does import vitest', () => {
    const { packages } = reachableModules(resolve(srcRoot, 'testing/vitest.ts'));
    expect(packages.has('vitest')).toBe(true);
  });

  it('the package exports both entries', () => {
    const manifest = JSON.parse(readFileSync(resolve(srcRoot, '../package.json'), 'utf8'));
    for (const exportsMap of [manifest.exports, manifest.publishConfig.exports]) {
      expect(Object.keys(exportsMap)).toEqual(
        expect.arrayContaining(['./testing', './testing/vitest', './provider']),
      );
    }
  });
});

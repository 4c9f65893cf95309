import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `@rlm/core/testing` must load under `node:test`, Jest or a plain script, so nothing it imports —
 * directly or through any module it reaches — may import vitest (or any test runner). Followed
 * statically over the sources, so a new import anywhere in the graph fails here.
 */

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const importPattern = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;

/** Every module reachable from `entry` through value imports (type-only imports vanish at run time). */
function reachableModules(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(importPattern)) {
      if (/^\s*(?:import|export)\s+type\s/.test(match[0].trimStart())) continue;
      const specifier = match[1]!;
      if (specifier.startsWith('.')) pending.push(`${resolve(dirname(file), specifier)}.ts`);
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

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

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packPublicPackages } from './public-packages';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Each public package's tarball (`pnpm pack`), by package name. */
    tarballs: Record<string, string>;
  }
}

/** Packs every public package once for all test files, and removes the tarballs afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const directory = await mkdtemp(join(tmpdir(), 'rlm-packed-'));
  const started = performance.now();
  const tarballs = await packPublicPackages(directory);
  console.log(
    `packed ${tarballs.size} public packages in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
  project.provide('tarballs', Object.fromEntries(tarballs));
  return () => rm(directory, { recursive: true, force: true });
}

import { copyFile, mkdir, mkdtemp, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT, run } from './public-packages';

const FIXTURE = fileURLToPath(new URL('../scratch-project', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * A user's project next to the checkout: its own folder (outside the workspace), the workspace
 * packages linked in as `link:` would (`node_modules/@rlm/core` → `packages/core`), nothing else of
 * the workspace in reach. It must get the built `dist/`, never the TypeScript sources.
 */
describe('a scratch project on the built workspace packages', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'rlm-scratch-'));
    for (const file of await readdir(FIXTURE)) await copyFile(join(FIXTURE, file), join(project, file));
    const links: Record<string, string> = {
      '@rlm/core': join(REPOSITORY_ROOT, 'packages/core'),
      '@rlm/env-quickjs': join(REPOSITORY_ROOT, 'packages/env-quickjs'),
      '@types/node': await realpath(dirname(require.resolve('@types/node/package.json'))),
    };
    for (const [name, target] of Object.entries(links)) {
      const link = join(project, 'node_modules', name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(target, link, 'dir');
    }
  });
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('runs createRLM with MockLanguageModel and QuickJS under plain node, and again with a file cache from @rlm/core/cache', async () => {
    const result = await run(process.execPath, ['run.mjs'], { cwd: project, timeoutMs: 60_000 });
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual({
      answer: 'lines: 3',
      answerSource: 'FINAL',
      calls: 2,
      cache: [
        { calls: 2, cachedCalls: 0 },
        { calls: 0, cachedCalls: 2 },
      ],
    });
  });

  it('type-checks with module and moduleResolution NodeNext (the built declarations, no skipLibCheck)', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });
    expect(result.output.trim()).toBe('');
    expect(result.code).toBe(0);
  });
});

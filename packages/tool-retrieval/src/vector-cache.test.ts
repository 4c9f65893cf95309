import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VectorCache } from './vector-cache';

const directories: string[] = [];
afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

async function cache(): Promise<VectorCache> {
  const directory = await mkdtemp(join(tmpdir(), 'rlm-vector-cache-test-'));
  directories.push(directory);
  return new VectorCache(join(directory, 'nested'));
}

describe('VectorCache', () => {
  it('reads back what it wrote, leaving no temporary file', async () => {
    const store = await cache();
    const vectors = Float32Array.from({ length: 3 * 5 }, (_, index) => index / 7);
    const header = { provider: 'p', modelId: 'm', dimensions: 5, count: 3 };
    await store.write('abc', header, vectors);
    const read = await store.read('abc', { provider: 'p', modelId: 'm', count: 3 });
    expect(read?.header).toEqual(header);
    expect(Array.from(read!.vectors)).toEqual(Array.from(vectors));
    expect(await readdir(store.directory)).toEqual(['abc.vectors']);
  });

  it('misses on an unknown key, another model or count, and a damaged file', async () => {
    const store = await cache();
    await store.write(
      'k',
      { provider: 'p', modelId: 'm', dimensions: 2, count: 1 },
      Float32Array.from([1, 0]),
    );
    expect(await store.read('other', { provider: 'p', modelId: 'm', count: 1 })).toBeUndefined();
    expect(await store.read('k', { provider: 'p', modelId: 'other', count: 1 })).toBeUndefined();
    expect(await store.read('k', { provider: 'p', modelId: 'm', count: 2 })).toBeUndefined();
    await writeFile(store.pathOf('k'), 'rlm-vectors-v1\n{"provider":"p"');
    expect(await store.read('k', { provider: 'p', modelId: 'm', count: 1 })).toBeUndefined();
  });
});

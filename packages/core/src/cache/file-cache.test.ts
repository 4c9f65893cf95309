import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelCallKey, StoredModelCall } from '../model-call-store/model-call-store';
import { CACHE_ENTRY_FORMAT, CACHE_ENTRY_VERSION } from './cache-entry';
import { createFileCache } from './file-cache';

const folders: string[] = [];
async function freshFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'rlm-file-cache-test-'));
  folders.push(folder);
  return folder;
}
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

function keyOf(seed: string | number, provider = 'openai', modelId = 'gpt-test'): ModelCallKey {
  const hash = String(seed).padStart(4, '0').repeat(16);
  return { hash, provider, modelId };
}
const KEY = { hash: 'ab'.repeat(32), provider: 'openai', modelId: 'gpt-test' };
const CALL: StoredModelCall = {
  text: 'disk: 3, network: 1 — ünïcode ✓',
  usage: { inputTokens: 1200, outputTokens: 34, cachedInputTokens: 1000 },
  costUsd: 0.0042,
  finishReason: 'stop',
};
const entryPath = (folder: string, key: ModelCallKey) =>
  join(folder, key.hash.slice(0, 2), `${key.hash}.jsonl`);

describe('createFileCache', () => {
  it('misses, keeps an answer, then hits it with the same text, usage, cost and finish reason', async () => {
    const folder = await freshFolder();
    const cache = createFileCache(folder);
    expect(cache.kind).toBe('cache');
    expect(await cache.get(KEY)).toBeUndefined();
    await cache.put(KEY, { ...CALL, extra: 'not kept' } as StoredModelCall);
    expect(await cache.get(KEY)).toEqual(CALL);
    // Another object over the same folder (another process, a later run) sees it.
    expect(await createFileCache(folder).get(KEY)).toEqual(CALL);
    const lines = (await readFile(entryPath(folder, KEY), 'utf8')).split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: CACHE_ENTRY_FORMAT,
      version: CACHE_ENTRY_VERSION,
      hash: KEY.hash,
      provider: 'openai',
      modelId: 'gpt-test',
    });
    expect(JSON.parse(lines[1]!)).toEqual(CALL);
    expect(await cache.stats()).toMatchObject({
      entries: 1,
      hits: 1,
      misses: 1,
      writes: 1,
      directory: folder,
    });
  });

  it('a second answer for a key replaces the first', async () => {
    const cache = createFileCache(await freshFolder());
    await cache.put(KEY, CALL);
    await cache.put(KEY, { ...CALL, text: 'newer' });
    expect((await cache.get(KEY))?.text).toBe('newer');
    expect((await cache.stats()).entries).toBe(1);
  });

  it('an entry whose stored key, provider or model differs from the lookup is a miss', async () => {
    const folder = await freshFolder();
    const cache = createFileCache(folder);
    await cache.put(KEY, CALL);
    expect(await cache.get({ ...KEY, provider: 'anthropic' })).toBeUndefined();
    expect(await cache.get({ ...KEY, modelId: 'other-model' })).toBeUndefined();
    // An entry copied to another key's file (same folder, another name) carries its own key: a miss.
    const other = { ...KEY, hash: `ab${'cd'.repeat(31)}` };
    await writeFile(entryPath(folder, other), await readFile(entryPath(folder, KEY)));
    expect(await cache.get(other)).toBeUndefined();
    expect(await cache.get(KEY)).toEqual(CALL);
  });

  it('an entry of another format version, cut short, damaged or not an entry at all is a miss, then replaced', async () => {
    const folder = await freshFolder();
    const cache = createFileCache(folder);
    await cache.put(KEY, CALL);
    const path = entryPath(folder, KEY);
    const whole = await readFile(path, 'utf8');
    const [header, body] = whole.split('\n') as [string, string];
    const damaged: Record<string, string> = {
      'another version': `${JSON.stringify({ ...JSON.parse(header), version: CACHE_ENTRY_VERSION + 1 })}\n${body}\n`,
      'another format': `${JSON.stringify({ ...JSON.parse(header), format: 'something-else' })}\n${body}\n`,
      'cut short in the body': whole.slice(0, whole.length - 20),
      'cut short in the header': whole.slice(0, 30),
      'cut at the last newline': whole.slice(0, -1),
      empty: '',
      'one changed character in the answer': whole.replace('disk: 3', 'disk: 4'),
      'a body that is not an answer': (() => {
        const fake = JSON.stringify({ text: 42, usage: null });
        const sha = createHash('sha256').update(fake).digest('hex');
        return `${JSON.stringify({ ...JSON.parse(header), bodySha256: sha })}\n${fake}\n`;
      })(),
      'not JSON': 'hello\nworld\n',
      binary: '\u0000\u0001\u0002\n\u0003\n',
    };
    for (const [what, text] of Object.entries(damaged)) {
      await writeFile(path, text);
      expect(await cache.get(KEY), what).toBeUndefined();
    }
    await cache.put(KEY, CALL);
    expect(await cache.get(KEY)).toEqual(CALL);
  });

  it('a folder in place of an entry, or a hash that is not hex SHA-256, is a miss; such a hash is never a path', async () => {
    const folder = await freshFolder();
    const cache = createFileCache(folder);
    await mkdir(entryPath(folder, KEY), { recursive: true });
    expect(await cache.get(KEY)).toBeUndefined();
    const hostile = { ...KEY, hash: '../../escape' };
    await cache.put(hostile, CALL);
    expect(await cache.get(hostile)).toBeUndefined();
    expect(await readdir(folder)).toEqual(['ab']);
  });

  it('many writers at once, to the same and to different keys, while readers read: every read is whole', async () => {
    const folder = await freshFolder();
    const writers = Array.from({ length: 8 }, () => createFileCache(folder));
    const reader = createFileCache(folder);
    const texts = new Set<string>();
    const big = 'x'.repeat(200_000);
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 10; round++) {
      for (const [index, writer] of writers.entries()) {
        const text = `${index}:${round}:${big}`;
        texts.add(text);
        work.push(writer.put(KEY, { ...CALL, text }));
        work.push(writer.put(keyOf(index * 100 + round), { ...CALL, text: `own ${index} ${round}` }));
        work.push(
          reader.get(KEY).then((call) => {
            if (call !== undefined) expect(texts.has(call.text)).toBe(true);
          }),
        );
      }
    }
    await Promise.all(work);
    expect(texts.has((await reader.get(KEY))!.text)).toBe(true);
    expect((await reader.stats()).entries).toBe(81);
    // No temporary file is left behind.
    for (const shard of await readdir(folder))
      for (const name of await readdir(join(folder, shard))) expect(name).toMatch(/^[0-9a-f]{64}\.jsonl$/);
  });

  it('stats counts the entries and bytes on disk; clear removes them and nothing else', async () => {
    const folder = await freshFolder();
    const cache = createFileCache(folder);
    for (let index = 0; index < 5; index++) await cache.put(keyOf(index), CALL);
    await writeFile(join(folder, 'notes.txt'), 'mine');
    await writeFile(join(folder, '00', 'mine.txt'), 'mine too');
    await mkdir(join(folder, 'other'));
    const sizes = await Promise.all(
      [0, 1, 2, 3, 4].map(async (index) => (await stat(entryPath(folder, keyOf(index)))).size),
    );
    const stats = await cache.stats();
    expect(stats).toMatchObject({ entries: 5, bytes: sizes.reduce((a, b) => a + b), writes: 5 });
    expect(await cache.clear()).toEqual({ entries: 5, bytes: stats.bytes });
    expect(await cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect((await readdir(folder)).sort()).toEqual(['00', 'notes.txt', 'other']);
    expect(await readdir(join(folder, '00'))).toEqual(['mine.txt']);
    expect(await cache.get(keyOf(1))).toBeUndefined();
    // It works again after a clear, and a clear of a folder that does not exist is empty.
    await cache.put(keyOf(1), CALL);
    expect(await cache.get(keyOf(1))).toEqual(CALL);
    expect(await createFileCache(join(folder, 'missing')).clear()).toEqual({ entries: 0, bytes: 0 });
    expect(await createFileCache(join(folder, 'missing')).stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('maxBytes: past the bound the least recently used entries go, down to 90% of it', async () => {
    const folder = await freshFolder();
    const probe = createFileCache(await freshFolder());
    await probe.put(KEY, CALL);
    const entryBytes = (await probe.stats()).bytes;
    const cache = createFileCache(folder, { maxBytes: entryBytes * 10 });
    const old = Date.now() / 1000 - 1000;
    for (let index = 0; index < 10; index++) {
      await cache.put(keyOf(index), CALL);
      // Distinct, increasing times of last use, older than now.
      await utimes(entryPath(folder, keyOf(index)), old + index, old + index);
    }
    expect((await cache.stats()).entries).toBe(10);
    // A hit marks entry 0 as just used: it outlives entries 1 and 2.
    expect(await cache.get(keyOf(0))).toEqual(CALL);
    await cache.put(keyOf(10), CALL);
    const stats = await cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(entryBytes * 9);
    expect(stats.evictions).toBe(2);
    expect(await cache.get(keyOf(1))).toBeUndefined();
    expect(await cache.get(keyOf(2))).toBeUndefined();
    for (const index of [0, 3, 9, 10]) expect(await cache.get(keyOf(index)), String(index)).toEqual(CALL);
    // An answer larger than the whole bound is not kept.
    await createFileCache(folder, { maxBytes: 100 }).put(keyOf(11), CALL);
    expect(await cache.get(keyOf(11))).toBeUndefined();
  });

  it('rejects a missing folder and a wrong maxBytes with a message that says what to give', () => {
    expect(() => createFileCache('')).toThrow(/needs a folder/);
    expect(() => createFileCache('x', { maxBytes: 0 })).toThrow(/maxBytes must be a whole number/);
    expect(() => createFileCache('x', { maxBytes: 1.5 })).toThrow(/maxBytes/);
  });
});

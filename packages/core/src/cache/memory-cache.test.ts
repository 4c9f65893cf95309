import { describe, expect, it } from 'vitest';
import type { StoredModelCall } from '../model-call-store/model-call-store';
import { createMemoryCache } from './memory-cache';

const key = (hash: string) => ({ hash, provider: 'openai', modelId: 'gpt-test' });
const CALL: StoredModelCall = { text: 'answer', usage: { inputTokens: 10, outputTokens: 2 }, costUsd: 0.001 };

describe('createMemoryCache', () => {
  it('misses, keeps a copy, hits; another provider or model is a miss; stats and clear', async () => {
    const cache = createMemoryCache();
    expect(await cache.get(key('a'))).toBeUndefined();
    const call = { ...CALL, usage: { ...CALL.usage } };
    await cache.put(key('a'), call);
    (call.usage as { inputTokens: number }).inputTokens = 999;
    const hit = await cache.get(key('a'));
    expect(hit).toEqual(CALL);
    expect(await cache.get({ ...key('a'), provider: 'anthropic' })).toBeUndefined();
    expect(await cache.get({ ...key('a'), modelId: 'other' })).toBeUndefined();
    await cache.put(key('junk'), { text: 1 } as unknown as StoredModelCall);
    expect(await cache.stats()).toMatchObject({ entries: 1, hits: 1, misses: 3, writes: 1 });
    expect((await cache.clear()).entries).toBe(1);
    expect(await cache.get(key('a'))).toBeUndefined();
  });

  it('maxEntries drops the least recently used first', async () => {
    const cache = createMemoryCache({ maxEntries: 2 });
    await cache.put(key('a'), CALL);
    await cache.put(key('b'), CALL);
    await cache.get(key('a'));
    await cache.put(key('c'), CALL);
    expect(await cache.get(key('b'))).toBeUndefined();
    expect(await cache.get(key('a'))).toEqual(CALL);
    expect(await cache.get(key('c'))).toEqual(CALL);
    expect((await cache.stats()).evictions).toBe(1);
    expect(() => createMemoryCache({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

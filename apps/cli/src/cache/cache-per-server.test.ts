import { createMemoryCache } from '@rlm/core/cache';
import { describe, expect, it } from 'vitest';
import { cachePerServer } from './cache-per-server';

const key = { hash: 'ab'.repeat(32), provider: 'openai', modelId: 'qwen3' };
const call = { text: 'hi', usage: { inputTokens: 1, outputTokens: 1 } };

describe('cachePerServer', () => {
  it('keeps the answers of different --base-url servers apart; a trailing slash is the same server', async () => {
    const cache = createMemoryCache();
    await cachePerServer(cache, 'http://localhost:11434/v1').put(key, call);
    expect(await cachePerServer(cache, 'http://localhost:11434/v1/').get(key)).toEqual(call);
    expect(await cachePerServer(cache, 'http://other:8000/v1').get(key)).toBeUndefined();
    expect(await cachePerServer(cache, undefined).get(key)).toBeUndefined();
    await cachePerServer(cache, undefined).put(key, call);
    expect(await cache.get(key)).toEqual(call);
    expect(cachePerServer(cache, 'http://x').kind).toBe('cache');
  });
});

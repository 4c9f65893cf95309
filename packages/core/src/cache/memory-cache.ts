import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { ModelCallKey, StoredModelCall } from '../model-call-store/model-call-store';
import { isStoredModelCall } from './cache-entry';
import type { ModelCallCache, ModelCallCacheClearResult, ModelCallCacheStats } from './model-call-cache';

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** Entries kept at most; past it the least recently used goes first. Default unlimited. */
  readonly maxEntries?: number;
}

/**
 * A sub-call cache in memory, for one process: several runs of the same `createRLM` settings (or of
 * several RLMs given the same cache) share their answers. Nothing is kept across processes; for that,
 * `createFileCache(dir)`. Entries are copies: changing a returned answer changes nothing kept.
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): ModelCallCache {
  const { maxEntries } = options;
  if (maxEntries !== undefined && (!Number.isInteger(maxEntries) || maxEntries < 1)) {
    throw new InvalidArgumentError({
      argument: 'maxEntries',
      message: `maxEntries must be a whole number ≥ 1, or left out for no bound; got ${maxEntries}.`,
    });
  }
  // A Map iterates in insertion order: deleting and setting again on a hit keeps it least-recent first.
  const entries = new Map<string, { readonly key: ModelCallKey; readonly json: string }>();
  let hits = 0;
  let misses = 0;
  let writes = 0;
  let evictions = 0;
  const bytesOf = () => {
    let bytes = 0;
    for (const entry of entries.values()) bytes += entry.json.length * 2;
    return bytes;
  };
  return {
    kind: 'cache',
    async get(key: ModelCallKey): Promise<StoredModelCall | undefined> {
      const entry = entries.get(key.hash);
      if (!entry || entry.key.provider !== key.provider || entry.key.modelId !== key.modelId) {
        misses += 1;
        return undefined;
      }
      entries.delete(key.hash);
      entries.set(key.hash, entry);
      hits += 1;
      return JSON.parse(entry.json) as StoredModelCall;
    },
    async put(key: ModelCallKey, call: StoredModelCall): Promise<void> {
      if (!isStoredModelCall(call)) return;
      entries.delete(key.hash);
      entries.set(key.hash, {
        key: { hash: key.hash, provider: key.provider, modelId: key.modelId },
        json: JSON.stringify({
          text: call.text,
          usage: call.usage,
          ...(call.costUsd !== undefined ? { costUsd: call.costUsd } : {}),
          ...(call.finishReason !== undefined ? { finishReason: call.finishReason } : {}),
        }),
      });
      writes += 1;
      while (maxEntries !== undefined && entries.size > maxEntries) {
        entries.delete(entries.keys().next().value as string);
        evictions += 1;
      }
    },
    async stats(): Promise<ModelCallCacheStats> {
      return { entries: entries.size, bytes: bytesOf(), hits, misses, writes, evictions };
    },
    async clear(): Promise<ModelCallCacheClearResult> {
      const removed = { entries: entries.size, bytes: bytesOf() };
      entries.clear();
      return removed;
    },
  };
}

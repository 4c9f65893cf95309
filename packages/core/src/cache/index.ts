/**
 * `@rlm/core/cache`: sub-call caches to give `RLMSettings.cache`. `createFileCache(dir)` keeps answers
 * on disk across runs and processes (Node only: it loads `node:fs`, which the main `@rlm/core` entry
 * never does); `createMemoryCache()` keeps them for one process.
 */
export { CACHE_ENTRY_FORMAT, CACHE_ENTRY_VERSION } from './cache-entry';
export { createFileCache, type FileCacheOptions } from './file-cache';
export { createMemoryCache, type MemoryCacheOptions } from './memory-cache';
export type { ModelCallCache, ModelCallCacheClearResult, ModelCallCacheStats } from './model-call-cache';

import type { ModelCallStore } from '../model-call-store/model-call-store';

/** A sub-call cache: a {@link ModelCallStore} of kind `'cache'` that can say what it holds and be emptied. */
export interface ModelCallCache extends ModelCallStore {
  readonly kind: 'cache';
  /** What the cache holds now, and how this object's lookups went. */
  stats(): Promise<ModelCallCacheStats>;
  /** Removes every entry (only the cache's own files: nothing else in its folder). */
  clear(): Promise<ModelCallCacheClearResult>;
}

/** What {@link ModelCallCache.stats} reports. */
export interface ModelCallCacheStats {
  /** Entries held now (for a file cache: by every process that wrote to the folder). */
  readonly entries: number;
  /** Their size in bytes (for a file cache: the entry files' sizes). */
  readonly bytes: number;
  /** Lookups by this object that found an entry. */
  readonly hits: number;
  /** Lookups by this object that found none, or one that could not be trusted. */
  readonly misses: number;
  /** Answers this object kept. */
  readonly writes: number;
  /** Entries this object removed to stay under `maxBytes`. */
  readonly evictions: number;
  /** The folder of a file cache. */
  readonly directory?: string;
}

/** What {@link ModelCallCache.clear} removed. */
export interface ModelCallCacheClearResult {
  readonly entries: number;
  readonly bytes: number;
}

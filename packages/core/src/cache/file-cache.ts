import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { ModelCallKey, StoredModelCall } from '../model-call-store/model-call-store';
import { decodeCacheEntry, encodeCacheEntry, isEntryHash, isStoredModelCall } from './cache-entry';
import type { ModelCallCache, ModelCallCacheClearResult, ModelCallCacheStats } from './model-call-cache';

/** Options of {@link createFileCache}. */
export interface FileCacheOptions {
  /**
   * Bytes the entries may take on disk. Past it, the entries used least recently (a hit counts as a
   * use) are removed until they take 90% of it. The size is counted once per process, then kept up to
   * date by this process's writes, so several processes writing at once may overshoot it for a while.
   * That count is a `stat` per entry (about 30 ms per 1,000 entries), paid by the first write of each
   * process and by each eviction. Default unlimited.
   */
  readonly maxBytes?: number;
}

/** Shard folders: the first two hex digits of the hash, so no folder holds more than 1/256 of the entries. */
const SHARD_PATTERN = /^[0-9a-f]{2}$/;
/** An entry file: the key's hash. */
const ENTRY_PATTERN = /^[0-9a-f]{64}\.jsonl$/;
/** A file being written (`<entry>.<pid>.<random>.tmp`): renamed into place when whole. */
const TEMPORARY_PATTERN = /^[0-9a-f]{64}\.jsonl\.\d+\.[0-9a-z]+\.tmp$/;
/** A temporary file older than this was left by a process that died while writing: removable. */
const STALE_TEMPORARY_MS = 10 * 60_000;
/** After an eviction the entries take at most this share of `maxBytes`, so the next write does not evict again. */
const EVICTION_LOW_WATER = 0.9;

/** One entry file found on disk. */
interface EntryFile {
  readonly path: string;
  readonly bytes: number;
  readonly usedAt: number;
}

/**
 * A sub-call cache in a folder, shared by every process that names it: one file per model call,
 * `<dir>/<first two hex digits>/<sha256>.jsonl`, a header line (format, version, key, checksum) and
 * the answer as one JSON line.
 *
 * - Writes are atomic: an entry is written under a temporary name and renamed into place, so a
 *   reader in another process sees the whole old entry, the whole new one, or none — never half.
 *   Not fsync'ed: after a crash an entry may be empty or cut short, which its checksum shows.
 * - An entry that is cut short, damaged, of another format version, or whose key, provider or model
 *   differs from the lookup's is a miss, never trusted; the next answer for that key replaces it.
 * - `clear()` removes the cache's own files only (entries, temporary files, then empty shard
 *   folders), so pointing it at the wrong folder loses nothing else.
 *
 * Node only (`node:fs`), which is why it lives in `@rlm/core/cache`, not in `@rlm/core`.
 */
export function createFileCache(directory: string, options: FileCacheOptions = {}): ModelCallCache {
  if (typeof directory !== 'string' || directory.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'directory',
      message: `createFileCache needs a folder, e.g. createFileCache('.rlm-cache'); got ${JSON.stringify(directory)}.`,
    });
  }
  const { maxBytes } = options;
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
    throw new InvalidArgumentError({
      argument: 'maxBytes',
      message: `maxBytes must be a whole number of bytes ≥ 1, or left out for no bound; got ${maxBytes}.`,
    });
  }
  const root = resolve(directory);
  const shardsMade = new Set<string>();
  let hits = 0;
  let misses = 0;
  let writes = 0;
  let evictions = 0;
  /** The entries' bytes as this process knows them (counted on the first write when bounded). */
  let knownBytes: number | undefined;
  let evicting: Promise<void> | undefined;

  const pathOf = (hash: string) => join(root, hash.slice(0, 2), `${hash}.jsonl`);

  const evict = async (limit: number): Promise<void> => {
    const files = (await listEntries(root)).sort((a, b) => a.usedAt - b.usedAt);
    let total = files.reduce((sum, file) => sum + file.bytes, 0);
    for (const file of files) {
      if (total <= limit * EVICTION_LOW_WATER) break;
      await rm(file.path, { force: true });
      total -= file.bytes;
      evictions += 1;
    }
    knownBytes = total;
  };

  return {
    kind: 'cache',
    async get(key: ModelCallKey): Promise<StoredModelCall | undefined> {
      if (!isEntryHash(key.hash)) {
        misses += 1;
        return undefined;
      }
      const path = pathOf(key.hash);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch {
        misses += 1;
        return undefined;
      }
      const call = decodeCacheEntry(bytes, key, sha256);
      if (!call) {
        misses += 1;
        return undefined;
      }
      hits += 1;
      // With a bound, the least recently used entries go first: a hit marks its entry as used.
      if (maxBytes !== undefined) {
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined);
      }
      return call;
    },

    async put(key: ModelCallKey, call: StoredModelCall): Promise<void> {
      if (!isEntryHash(key.hash) || !isStoredModelCall(call)) return;
      const bytes = encodeCacheEntry(key, call, sha256);
      if (maxBytes !== undefined && bytes.length > maxBytes) return;
      const path = pathOf(key.hash);
      const shard = join(root, key.hash.slice(0, 2));
      if (!shardsMade.has(shard)) {
        await mkdir(shard, { recursive: true });
        shardsMade.add(shard);
      }
      const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(temporary, bytes, { flag: 'wx' });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        // The shard folder was removed under us (a clear by another process): make it again next time.
        shardsMade.delete(shard);
        throw error;
      }
      writes += 1;
      if (maxBytes === undefined) return;
      if (knownBytes === undefined) knownBytes = await sumBytes(root);
      else knownBytes += bytes.length;
      if (knownBytes > maxBytes) {
        evicting ??= evict(maxBytes).finally(() => {
          evicting = undefined;
        });
        await evicting;
      }
    },

    async stats(): Promise<ModelCallCacheStats> {
      const files = await listEntries(root);
      return {
        entries: files.length,
        bytes: files.reduce((sum, file) => sum + file.bytes, 0),
        hits,
        misses,
        writes,
        evictions,
        directory: root,
      };
    },

    async clear(): Promise<ModelCallCacheClearResult> {
      const files = await listEntries(root, { removeTemporary: 'all' });
      await Promise.all(files.map((file) => rm(file.path, { force: true })));
      for (const shard of await shardFolders(root)) {
        // Only an empty folder goes: anything else someone put there stays.
        await rmdir(join(root, shard)).catch(() => undefined);
      }
      shardsMade.clear();
      if (knownBytes !== undefined) knownBytes = 0;
      return { entries: files.length, bytes: files.reduce((sum, file) => sum + file.bytes, 0) };
    },
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function shardFolders(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  return names.filter((name) => SHARD_PATTERN.test(name));
}

/**
 * Every entry file under `root`, with its size and last use. Temporary files left by a process that
 * died while writing are removed on the way (all of them with `removeTemporary: 'all'`, for clear).
 */
async function listEntries(
  root: string,
  { removeTemporary = 'stale' }: { readonly removeTemporary?: 'stale' | 'all' } = {},
): Promise<EntryFile[]> {
  const now = Date.now();
  const found = await Promise.all(
    (await shardFolders(root)).map(async (shard) => {
      const folder = join(root, shard);
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        return [];
      }
      const files: EntryFile[] = [];
      for (const name of names) {
        const entry = ENTRY_PATTERN.test(name);
        if (!entry && !TEMPORARY_PATTERN.test(name)) continue;
        const path = join(folder, name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        if (entry) files.push({ path, bytes: info.size, usedAt: info.mtimeMs });
        else if (removeTemporary === 'all' || now - info.mtimeMs > STALE_TEMPORARY_MS)
          await rm(path, { force: true });
      }
      return files;
    }),
  );
  return found.flat();
}

async function sumBytes(root: string): Promise<number> {
  return (await listEntries(root)).reduce((sum, file) => sum + file.bytes, 0);
}

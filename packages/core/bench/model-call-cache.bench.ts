/**
 * The sub-call cache's store (issue 14): `createFileCache` (one file per entry, sharded folders,
 * temp + rename) against an SQLite table through better-sqlite3 (WAL, synchronous=NORMAL, a 5 s busy
 * timeout), for N entries of 1–10 KB of text:
 *
 * - `put` / `get hit` / `get miss`: per-operation latency, one after another (median and p95 of the
 *   N operations of a round), and throughput of the round;
 * - `stats`: counting the entries and bytes held;
 * - on-disk size after the N puts (allocated blocks, as `du` counts them);
 * - `P processes`: P processes putting N/P entries each into one store at once, then reading them
 *   all back: wall time, failed operations, entries readable afterwards.
 *
 * Each round uses a fresh folder; the table shows medians over the rounds with the spread.
 *
 * better-sqlite3 is not a dependency of this repository (core stays dependency-free): install it
 * anywhere (`npm install better-sqlite3@12` in a scratch folder; 12.x runs on Node 20, 13.x needs
 * Node 22) and pass its folder. Run (from the repository root):
 *   pnpm --filter @rlm/integration-tests exec tsx ../core/bench/model-call-cache.bench.ts \
 *     --sqlite /tmp/x/node_modules/better-sqlite3 [--entries 10000] [--rounds 5] [--processes 4]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile, summarize } from '../src/benchmark/index';
import { createFileCache } from '../src/cache/index';
import type { ModelCallKey, StoredModelCall } from '../src/model-call-store/model-call-store';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1]!;
};
const sqlitePath = argument('sqlite', '');
const entries = Number(argument('entries', '10000'));
const rounds = Number(argument('rounds', '5'));
const processes = Number(argument('processes', '4'));

/** The two stores behind one interface, as the loop uses them (get, put) plus stats. */
interface BenchStore {
  get(key: ModelCallKey): Promise<StoredModelCall | undefined>;
  put(key: ModelCallKey, call: StoredModelCall): Promise<void>;
  count(): Promise<number>;
  close(): void;
}

type SqliteDatabase = {
  pragma(text: string): unknown;
  exec(text: string): void;
  prepare(text: string): { get(...values: unknown[]): unknown; run(...values: unknown[]): unknown };
  close(): void;
};

function openSqlite(folder: string): BenchStore {
  const Database = createRequire(import.meta.url)(sqlitePath) as new (path: string) => SqliteDatabase;
  const database = new Database(join(folder, 'cache.sqlite'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.exec(
    'CREATE TABLE IF NOT EXISTS entries (hash TEXT PRIMARY KEY, provider TEXT NOT NULL, model_id TEXT NOT NULL, body TEXT NOT NULL, used_at INTEGER NOT NULL) WITHOUT ROWID',
  );
  const select = database.prepare('SELECT provider, model_id, body FROM entries WHERE hash = ?');
  const upsert = database.prepare(
    'INSERT OR REPLACE INTO entries (hash, provider, model_id, body, used_at) VALUES (?, ?, ?, ?, ?)',
  );
  const count = database.prepare('SELECT count(*) AS n, sum(length(body)) AS bytes FROM entries');
  return {
    async get(key) {
      const row = select.get(key.hash) as { provider: string; model_id: string; body: string } | undefined;
      if (!row || row.provider !== key.provider || row.model_id !== key.modelId) return undefined;
      return JSON.parse(row.body) as StoredModelCall;
    },
    async put(key, call) {
      upsert.run(key.hash, key.provider, key.modelId, JSON.stringify(call), Date.now());
    },
    async count() {
      return (count.get() as { n: number }).n;
    },
    close: () => database.close(),
  };
}

function openFiles(folder: string): BenchStore {
  const cache = createFileCache(folder);
  return {
    get: (key) => cache.get(key),
    put: (key, call) => cache.put(key, call),
    count: async () => (await cache.stats()).entries,
    close: () => undefined,
  };
}

const STORES: Record<string, (folder: string) => BenchStore> = { files: openFiles };
if (sqlitePath) STORES.sqlite = openSqlite;

/** Entry `index`'s key and an answer of 1–10 KB of word-like text, the same in every round. */
function entryOf(index: number): { key: ModelCallKey; call: StoredModelCall } {
  const hash = createHash('sha256').update(`entry ${index}`).digest('hex');
  let seed = index + 1;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const size = 1024 + Math.floor(random() * 9 * 1024);
  const words: string[] = [];
  let length = 0;
  while (length < size) {
    const word = Math.floor(random() * 1e9).toString(36);
    words.push(word);
    length += word.length + 1;
  }
  return {
    key: { hash, provider: 'openai', modelId: 'gpt-5.4-mini' },
    call: {
      text: words.join(' ').slice(0, size),
      usage: { inputTokens: 2000 + index, outputTokens: size / 4 },
      costUsd: 0.0001,
    },
  };
}

/** Allocated bytes of every file under `folder` (what `du` reports). */
async function diskBytes(folder: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(folder, { recursive: true })) {
    const info = await stat(join(folder, name));
    total += info.isFile() ? info.blocks * 512 : 0;
  }
  return total;
}

/** A child process's share of the concurrent round: put entries [from, to), then get them all. */
async function worker(storeName: string, folder: string, from: number, to: number): Promise<void> {
  const store = STORES[storeName]!(folder);
  let failures = 0;
  for (let index = from; index < to; index++) {
    const { key, call } = entryOf(index);
    await store.put(key, call).catch(() => {
      failures += 1;
    });
  }
  for (let index = from; index < to; index++) {
    const found = await store.get(entryOf(index).key).catch(() => undefined);
    if (!found) failures += 1;
  }
  store.close();
  process.stdout.write(JSON.stringify({ failures }));
}

function runWorker(storeName: string, folder: string, from: number, to: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--worker',
        storeName,
        '--dir',
        folder,
        '--from',
        String(from),
        '--to',
        String(to),
        '--sqlite',
        sqlitePath,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve((JSON.parse(output) as { failures: number }).failures)
        : reject(new Error(`worker ${code}`)),
    );
  });
}

async function round(storeName: string): Promise<Record<string, number>> {
  const folder = await mkdtemp(join(tmpdir(), `rlm-cache-bench-${storeName}-`));
  const store = STORES[storeName]!(folder);
  const items = Array.from({ length: entries }, (_, index) => entryOf(index));
  const timed = async (operation: (index: number) => Promise<unknown>, order: readonly number[]) => {
    const latencies: number[] = [];
    const started = performance.now();
    for (const index of order) {
      const before = performance.now();
      await operation(index);
      latencies.push(performance.now() - before);
    }
    const total = performance.now() - started;
    latencies.sort((a, b) => a - b);
    return {
      median: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      perSecond: (order.length / total) * 1000,
    };
  };
  const inOrder = items.map((_, index) => index);
  const shuffled = [...inOrder].sort((a, b) => ((a * 7919) % entries) - ((b * 7919) % entries));
  const put = await timed((index) => store.put(items[index]!.key, items[index]!.call), inOrder);
  const hit = await timed(async (index) => {
    if (!(await store.get(items[index]!.key))) throw new Error(`entry ${index} missing`);
  }, shuffled);
  const absent = (index: number) => ({
    ...items[index]!.key,
    hash: createHash('sha256').update(`absent ${index}`).digest('hex'),
  });
  const miss = await timed((index) => store.get(absent(index)), shuffled.slice(0, 2000));
  const statsStarted = performance.now();
  const counted = await store.count();
  const statsMs = performance.now() - statsStarted;
  if (counted !== entries) throw new Error(`${storeName}: ${counted} entries, expected ${entries}`);
  store.close();
  const payloadBytes = items.reduce((sum, item) => sum + item.call.text.length, 0);
  const disk = await diskBytes(folder);
  await rm(folder, { recursive: true, force: true });

  // P processes at once into one fresh store.
  const shared = await mkdtemp(join(tmpdir(), `rlm-cache-bench-${storeName}-shared-`));
  if (storeName === 'sqlite') STORES.sqlite!(shared).close(); // the table exists before the writers start
  const share = Math.ceil(entries / processes);
  const concurrentStarted = performance.now();
  const failures = await Promise.all(
    Array.from({ length: processes }, (_, worker) =>
      runWorker(storeName, shared, worker * share, Math.min(entries, (worker + 1) * share)),
    ),
  );
  const concurrentMs = performance.now() - concurrentStarted;
  const after = STORES[storeName]!(shared);
  let readable = 0;
  for (const item of items) if ((await after.get(item.key))?.text === item.call.text) readable += 1;
  after.close();
  await rm(shared, { recursive: true, force: true });
  return {
    'put median ms': put.median,
    'put p95 ms': put.p95,
    'put ops/s': put.perSecond,
    'get hit median ms': hit.median,
    'get hit p95 ms': hit.p95,
    'get hit ops/s': hit.perSecond,
    'get miss median ms': miss.median,
    'stats ms': statsMs,
    'disk MB': disk / 1e6,
    'disk / payload': disk / payloadBytes,
    [`${processes} processes: wall ms`]: concurrentMs,
    [`${processes} processes: failed ops`]: failures.reduce((a, b) => a + b, 0),
    [`${processes} processes: entries readable after`]: readable,
  };
}

if (process.argv.includes('--worker')) {
  await worker(
    argument('worker', ''),
    argument('dir', ''),
    Number(argument('from', '0')),
    Number(argument('to', '0')),
  );
} else {
  if (!sqlitePath) console.log('(no --sqlite: measuring the file store only)');
  const results: Record<string, Record<string, number[]>> = {};
  // Alternate the stores round by round so that machine noise falls on both alike.
  for (let index = 0; index < rounds; index++) {
    for (const name of Object.keys(STORES)) {
      const measured = await round(name);
      results[name] ??= {};
      const byMetric = results[name];
      for (const [metric, value] of Object.entries(measured)) {
        byMetric[metric] = [...(byMetric[metric] ?? []), value];
      }
    }
  }
  const names = Object.keys(results);
  const format = (value: number) =>
    Math.abs(value) >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(3);
  console.log(
    `${entries} entries of 1–10 KB, ${rounds} rounds, Node ${process.version}; median (min–max) of the rounds`,
  );
  console.log(`| measurement | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const metric of Object.keys(results[names[0]!]!)) {
    const cells = names.map((name) => {
      const stats = summarize(metric, results[name]![metric]!);
      return `${format(stats.median)} (${format(stats.min)}–${format(stats.max)})`;
    });
    console.log(`| ${metric} | ${cells.join(' | ')} |`);
  }
}

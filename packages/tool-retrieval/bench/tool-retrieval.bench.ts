/**
 * Benchmark of `@rlm/tool-retrieval` at ~10M tokens (40 MB of text). Run:
 * `pnpm --filter @rlm/tool-retrieval bench [runs]`. Prints medians and spreads in milliseconds.
 *
 * Embeddings come from `@rlm/test-server` started in this process (over real HTTP on 127.0.0.1, the
 * same event loop), through `@rlm/openai`'s embedding model, 256 dimensions (the test server's
 * default; `text-embedding-3-small` gives 1,536, so the flat scan is also timed at 1,536 below).
 *
 * 1. Index build, cold (empty cache directory): wall time, embedding calls, input tokens, RSS.
 * 2. Index build, warm (a new tool, the vectors read from the disk cache): wall time, calls.
 * 3. Query latency on the built index: `retrieve` end to end (embeds the query over HTTP) and the
 *    flat cosine scan alone at 256 and 1,536 dimensions.
 */

import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolExecuteOptions } from '@rlm/core';
import { formatStatsTable, makeBenchmarkProse, measure, type Stats, summarize } from '@rlm/core/benchmark';
import { createOpenAI } from '@rlm/openai';
import { startTestServer } from '@rlm/test-server';
import { createRetrievalTool } from '../src/index';
import { normalise, VectorIndex } from '../src/vector-index';

const TARGET_CHARS = Number(process.env.BENCH_CHARS ?? 40_000_000);
const runs = Number(process.argv[2] ?? 3);

const context = makeBenchmarkProse(TARGET_CHARS).text;
const server = await startTestServer();
const embeddingModel = createOpenAI({ apiKey: 'bench', baseURL: server.openaiBaseURL }).embedding(
  'text-embedding-3-small',
  { dimensions: 256 },
);
const options = (): ToolExecuteOptions => ({ abortSignal: new AbortController().signal, context, depth: 0 });
const embeddingCalls = () => server.requests.filter((request) => request.path === '/v1/embeddings').length;
const tokens = () =>
  server.requests.reduce(
    (sum, request) => sum + (request.path === '/v1/embeddings' ? request.body.input.length : 0),
    0,
  );
const queries = [
  'which words come first',
  'abc def ghi',
  'the most common words',
  'xyz',
  'a question about items',
];

console.log(
  `corpus: ${(context.length / 1e6).toFixed(1)} M characters (~${Math.round(context.length / 4 / 1e6)}M tokens), node ${process.version}`,
);

const cold: number[] = [];
const warm: number[] = [];
const rss: number[] = [];
let calls = 0;
let chunks = 0;
let cacheBytes = 0;
let directory = '';
for (let run = 0; run < runs; run++) {
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = await mkdtemp(join(tmpdir(), 'rlm-retrieval-bench-'));
  server.requests.length = 0;
  globalThis.gc?.();
  const tool = createRetrievalTool({ embeddingModel, cacheDirectory: directory });
  const started = performance.now();
  await tool.execute({ query: queries[0]!, k: 5 }, options());
  cold.push(performance.now() - started);
  rss.push(process.memoryUsage().rss / 1e6);
  calls = embeddingCalls() - 1;
  chunks = tokens() - 1;
  const [file] = await readdir(directory);
  cacheBytes = (await stat(join(directory, file!))).size;
  console.log(
    `cold build ${run + 1}/${runs}: ${Math.round(cold.at(-1)!)} ms, ${calls} embedding calls, ${chunks} chunks`,
  );
}
for (let run = 0; run < Math.max(runs, 5); run++) {
  server.requests.length = 0;
  const tool = createRetrievalTool({ embeddingModel, cacheDirectory: directory });
  const started = performance.now();
  await tool.execute({ query: queries[0]!, k: 5 }, options());
  warm.push(performance.now() - started);
  if (embeddingCalls() !== 1)
    throw new Error(`a warm build made ${embeddingCalls()} embedding calls, not 1 (the query)`);
}

const tool = createRetrievalTool({ embeddingModel, cacheDirectory: directory });
await tool.execute({ query: queries[0]!, k: 5 }, options());
const endToEnd: number[] = [];
for (let run = 0; run < 50; run++) {
  const started = performance.now();
  await tool.execute({ query: queries[run % queries.length]!, k: 10 }, options());
  endToEnd.push(performance.now() - started);
}

async function scanStats(dimensions: number): Promise<Stats> {
  const vectors = new Float32Array(chunks * dimensions);
  for (let index = 0; index < vectors.length; index++) vectors[index] = Math.sin(index * 12.9898);
  for (let row = 0; row < chunks; row++)
    normalise(vectors.subarray(row * dimensions, (row + 1) * dimensions));
  const index = new VectorIndex(vectors, dimensions);
  const query = normalise(Float32Array.from({ length: dimensions }, (_, i) => Math.cos(i)));
  const samples = await measure(25, 5, async () => {
    const started = performance.now();
    index.search(query, 10);
    return performance.now() - started;
  });
  return summarize(
    `flat cosine scan, ${chunks} × ${dimensions} (k = 10)`,
    samples,
    `${(vectors.byteLength / 1e6).toFixed(0)} MB of vectors`,
  );
}

console.log('');
console.log(
  formatStatsTable([
    summarize(
      'index build, cold (embed every chunk over HTTP)',
      cold,
      `${calls} calls, ${chunks} chunks, RSS after ${Math.round(Math.max(...rss))} MB`,
    ),
    summarize(
      'index build, warm (vectors from the disk cache)',
      warm,
      `1 call (the query), cache file ${(cacheBytes / 1e6).toFixed(1)} MB`,
    ),
    summarize('retrieve on a built index (query embedded over HTTP)', endToEnd),
    await scanStats(256),
    await scanStats(1536),
  ]),
);
await rm(directory, { recursive: true, force: true });
await server.close();

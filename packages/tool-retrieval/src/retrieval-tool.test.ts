import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContextValue, JsonValue, ToolExecuteOptions } from '@rlm/core';
import { testTool } from '@rlm/core/testing/vitest';
import { createOpenAI } from '@rlm/openai';
import { startTestServer } from '@rlm/test-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createRetrievalTool, type RetrievalHit } from './index';

const server = await startTestServer();
const directories: string[] = [];
afterAll(async () => {
  await server.close();
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

const provider = createOpenAI({
  apiKey: 'test-key',
  baseURL: server.openaiBaseURL,
  retry: { initialDelayMs: 1 },
});
const embeddingModel = provider.embedding('text-embedding-3-small', { dimensions: 256 });

async function cacheDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'rlm-retrieval-test-'));
  directories.push(directory);
  return directory;
}

function options(context: ContextValue, signal = new AbortController().signal): ToolExecuteOptions {
  return { abortSignal: signal, context, depth: 0 };
}

const topics = [
  'volcano lava eruption magma',
  'violin orchestra symphony concert',
  'tax refund invoice payment',
];
/** 300 short documents, one in three about each topic, each with its own filler words. */
const corpus = Array.from({ length: 300 }, (_, index) => ({
  path: `doc-${index}.txt`,
  text: `Document ${index}: notes about ${topics[index % 3]} and item${index} filler${index % 17}.\n`,
}));

const embeddingRequests = () => server.requests.filter((request) => request.path === '/v1/embeddings').length;

testTool('retrieve', {
  createTool: () => createRetrievalTool({ embeddingModel, cacheDirectory: false }),
  validCall: { parameters: { query: 'lava', k: 2 }, context: 'volcano lava\nviolin concert\n' },
  invalidCalls: [
    { parameters: null, context: 'text' },
    { parameters: 'lava', context: 'text' },
    { parameters: { query: 'lava', extra: 1 }, context: 'text' },
    { parameters: { query: '' }, context: 'text' },
    { parameters: { query: '   ' }, context: 'text' },
    { parameters: { query: 'lava', k: 0 }, context: 'text' },
    { parameters: { query: 'lava', k: 51 }, context: 'text' },
    { parameters: { query: 'lava', k: 1.5 }, context: 'text' },
    { parameters: { query: 'lava' }, context: { rows: [1, 2, 3] } },
    { parameters: { query: 'lava' }, context: [{ value: 1 }] },
    { parameters: { query: 'lava', document: 0 }, context: 'text' },
    { parameters: { query: 'lava', document: 5 }, context: ['a', 'b'] },
  ],
});

describe('createRetrievalTool', () => {
  it('finds the passages about the query among 300 documents, with their document and path', async () => {
    const tool = createRetrievalTool({ embeddingModel, cacheDirectory: false });
    const hits = (await tool.execute(
      { query: 'when did the magma eruption happen', k: 5 },
      options(corpus),
    )) as unknown as RetrievalHit[];
    expect(hits).toHaveLength(5);
    for (const hit of hits) {
      expect(hit.text).toContain('volcano lava eruption magma');
      expect(hit.path).toBe(`doc-${hit.document}.txt`);
      expect(hit.offset).toBe(0);
    }
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    const inOne = (await tool.execute(
      { query: 'violin', k: 3, document: 4 },
      options(corpus),
    )) as unknown as RetrievalHit[];
    expect(inOne.map((hit) => hit.document)).toEqual([4]);
  });

  it('embeds the context once per tool, then only the query', async () => {
    const tool = createRetrievalTool({ embeddingModel, cacheDirectory: false, batchSize: 64 });
    const before = embeddingRequests();
    await tool.execute({ query: 'violin' }, options(corpus));
    expect(embeddingRequests() - before).toBe(Math.ceil(300 / 64) + 1);
    await tool.execute({ query: 'refund' }, options(corpus));
    expect(embeddingRequests() - before).toBe(Math.ceil(300 / 64) + 2);
  });

  it('keeps the vectors on disk: a new tool over the same corpus and model embeds only the query', async () => {
    const directory = await cacheDirectory();
    const first = createRetrievalTool({ embeddingModel, cacheDirectory: directory });
    const firstHits = await first.execute({ query: 'invoice payment' }, options(corpus));
    expect(await readdir(directory)).toHaveLength(1);
    const before = embeddingRequests();
    const second = createRetrievalTool({ embeddingModel, cacheDirectory: directory });
    expect(await second.execute({ query: 'invoice payment' }, options(corpus))).toEqual(firstHits);
    expect(embeddingRequests() - before).toBe(1);
    // Another dimension count is another key.
    const wider = createRetrievalTool({
      embeddingModel: provider.embedding('text-embedding-3-small', { dimensions: 64 }),
      cacheDirectory: directory,
    });
    await wider.execute({ query: 'invoice payment' }, options(corpus));
    expect(await readdir(directory)).toHaveLength(2);
  });

  it("builds the same index through the test server's faults (429, 503, malformed JSON, cut bodies), the model retrying", async () => {
    const faulty = await startTestServer({
      faults: {
        rate429: 0.15,
        retryAfterMs: 1,
        rate503: 0.1,
        malformedJson: 0.05,
        dropMidStream: 0.05,
        seed: 11,
        // Concurrent requests meet the draws in varying order: bounded, no call can exhaust its retries by chance.
        maxFaultsPerRequest: 3,
      },
    });
    try {
      const model = createOpenAI({
        apiKey: 'k',
        baseURL: faulty.openaiBaseURL,
        retry: { initialDelayMs: 1 },
      }).embedding('text-embedding-3-small', { dimensions: 256 });
      const query = { query: 'tax refund for the invoice', k: 8 };
      const clean = await createRetrievalTool({
        embeddingModel,
        cacheDirectory: false,
        batchSize: 16,
      }).execute(query, options(corpus));
      const retried = await createRetrievalTool({
        embeddingModel: model,
        cacheDirectory: false,
        batchSize: 16,
      }).execute(query, options(corpus));
      expect(retried).toEqual(clean);
      expect(faulty.requests.filter((request) => request.injectedFault !== undefined).length).toBeGreaterThan(
        2,
      );
    } finally {
      await faulty.close();
    }
  });

  it('refuses bad options with clear messages', () => {
    expect(() => createRetrievalTool({} as never)).toThrow(/embeddingModel must be an EmbeddingModel/);
    expect(() => createRetrievalTool({ embeddingModel, chunking: { chunkChars: 10 } })).toThrow(/chunkChars/);
    expect(() =>
      createRetrievalTool({ embeddingModel, chunking: { chunkChars: 200, overlapChars: 200 } }),
    ).toThrow(/overlapChars/);
    expect(() => createRetrievalTool({ embeddingModel, name: 'not a name' })).toThrow(/identifier/);
  });

  it('says what is wrong with bad input: empty query, k out of range, JSON data', async () => {
    const tool = createRetrievalTool({ embeddingModel, cacheDirectory: false });
    const message = (parameters: JsonValue, context: ContextValue = 'text') =>
      tool.execute(parameters, options(context)).then(
        () => 'resolved',
        (error: Error) => error.message,
      );
    expect(await message({ query: '' })).toMatch(/'query' must be a non-empty string/);
    expect(await message({ query: 'a', k: 99 })).toMatch(/'k' must be a whole number from 1 to 50, got 99/);
    expect(await message({ query: 'a' }, { a: 1 })).toMatch(
      /the context is an object .* not text.*filter `context` with code/,
    );
  });

  it('answers [] for a context without text', async () => {
    const tool = createRetrievalTool({ embeddingModel, cacheDirectory: false });
    expect(await tool.execute({ query: 'a' }, options('  \n\n  '))).toEqual([]);
  });
});

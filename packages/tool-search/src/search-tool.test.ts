import { testTool } from '@rlm/core/testing/vitest';
import { describe, expect, it } from 'vitest';
import { createSearchTool, type SearchHit } from './search-tool';

testTool('search', {
  createTool: () => createSearchTool(),
  validCall: {
    parameters: { query: 'refund policy', k: 2 },
    context: ['refund policy: 30 days', 'shipping'],
  },
  invalidCalls: [
    { parameters: { query: '' }, context: 'text' },
    { parameters: { query: '?!' }, context: 'text' },
    { parameters: { query: 'a', k: 0 }, context: 'text' },
    { parameters: { query: 'a', k: 1000 }, context: 'text' },
    { parameters: { query: 'a', document: 0 }, context: 'text' },
    { parameters: { query: 'a', document: 2 }, context: ['a', 'b'] },
    { parameters: { query: 'a', unknown: 1 }, context: 'text' },
    { parameters: { query: 'a', document: 0 }, context: [] },
    { parameters: { query: 'a' }, context: { rows: [] } },
    { parameters: 'a', context: 'text' },
  ],
  bigContextMs: 30_000,
});

const search = createSearchTool({ chunkChars: 200, overlapChars: 40 });
const run = (parameters: Record<string, unknown>, context: unknown) =>
  search.execute(parameters as never, {
    abortSignal: new AbortController().signal,
    context: context as never,
    depth: 0,
  }) as Promise<unknown> as Promise<SearchHit[]>;

describe('search', () => {
  it('ranks the chunk about the query first, with its offset and line number', async () => {
    const lines = Array.from(
      { length: 200 },
      (_, i) => `line ${i}: the weather was mild and the shipping on time`,
    );
    lines[123] = 'line 123: the customer asked for a refund because the parcel arrived damaged';
    const context = lines.join('\n');
    const [best] = await run({ query: 'refund damaged parcel', k: 3 }, context);
    expect(best!.text).toContain('refund because the parcel arrived damaged');
    expect(best!.lineNumber).toBeLessThanOrEqual(124);
    expect(context.slice(best!.offset).startsWith(best!.text)).toBe(true);
    expect(context.slice(0, best!.offset).split('\n').length).toBe(best!.lineNumber);
    expect(best).not.toHaveProperty('document');
  });

  it('ranks documents of a list, names them, and searches one document when asked', async () => {
    const context = [
      { path: 'a.md', text: 'apples and pears' },
      { path: 'b.md', text: 'zebra crossing: a zebra and another zebra' },
      'a zebra once',
    ];
    const hits = await run({ query: 'zebra', k: 5 }, context);
    expect(hits.map((hit) => [hit.document, hit.path])).toEqual([
      [1, 'b.md'],
      [2, undefined],
    ]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect((await run({ query: 'zebra', document: 2 }, context)).map((hit) => hit.document)).toEqual([2]);
    expect(await run({ query: 'kiwi' }, context)).toEqual([]);
  });

  it('returns at most k hits, best first', async () => {
    const context = Array.from({ length: 30 }, (_, i) => `${'apple '.repeat(i + 1)}pie`.padEnd(190, '.'));
    const hits = await run({ query: 'apple', k: 4 }, context);
    expect(hits).toHaveLength(4);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
  });

  it('keeps the indexes of a root context and a child sub-context as they take turns', async () => {
    const root = Array.from({ length: 40_000 }, (_, i) => `root line ${i} about topic ${i % 97}`).join('\n');
    const child = 'a small sub-context about topic 5';
    let started = performance.now();
    await run({ query: 'topic 5' }, root);
    const first = performance.now() - started;
    await run({ query: 'topic 5' }, child);
    started = performance.now();
    await run({ query: 'topic 6' }, root);
    expect(performance.now() - started).toBeLessThan(Math.max(first / 2, 50));
  });

  it('builds the index once per context object and reuses it', async () => {
    const context = Array.from({ length: 20_000 }, (_, i) => `document ${i} about topic ${i % 97}`);
    let started = performance.now();
    await run({ query: 'topic 5' }, context);
    const first = performance.now() - started;
    started = performance.now();
    await run({ query: 'topic 6' }, context);
    expect(performance.now() - started).toBeLessThan(Math.max(first / 2, 50));
  });
});

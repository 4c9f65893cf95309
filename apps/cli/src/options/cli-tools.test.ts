import { createOpenAI } from '@rlm/openai';
import { describe, expect, it } from 'vitest';
import { createCliTools } from './cli-tools';

describe('createCliTools', () => {
  it('gives grep and search by default, the named ones otherwise, and none for an empty list', async () => {
    for (const [names, expected] of [
      [undefined, ['grep', 'search']],
      [['search'], ['search']],
      [[], []],
    ] as const) {
      const tools = createCliTools(names);
      expect(tools.tools.map((tool) => tool.name)).toEqual(expected);
      await tools.dispose();
    }
  });

  it('adds retrieve with the embedding model it is given, and refuses retrieve without one', async () => {
    const embeddingModel = createOpenAI({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9/v1' }).embedding(
      'text-embedding-3-small',
    );
    const tools = createCliTools(['grep', 'search', 'retrieve'], embeddingModel);
    expect(tools.tools.map((tool) => tool.name)).toEqual(['grep', 'search', 'retrieve']);
    await tools.dispose();
    expect(() => createCliTools(['retrieve'])).toThrow('retrieve needs an embedding model');
  });
});

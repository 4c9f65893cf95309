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
});

import { describe, expect, it } from 'vitest';
import { chunkText, type TextChunk } from './chunk-text';

const chunksOf = (text: string, size: number, overlap: number): TextChunk[] => [
  ...chunkText(text, size, overlap),
];

describe('chunkText', () => {
  const text = Array.from({ length: 100 }, (_, i) => `line number ${i}`).join('\n');

  it('cuts at line ends, covers the whole text, and numbers each chunk by its first line', () => {
    const chunks = chunksOf(text, 100, 0);
    expect(chunks[0]!.start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(text.length);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      expect(chunk.end - chunk.start).toBeLessThanOrEqual(100);
      if (i > 0) expect(chunk.start).toBe(chunks[i - 1]!.end);
      expect(text[chunk.start - 1] ?? '\n').toBe('\n');
      expect(text.slice(0, chunk.start).split('\n').length).toBe(chunk.lineNumber);
    }
  });

  it('starts each chunk a little before the previous one ended, at a line start', () => {
    const chunks = chunksOf(text, 100, 30);
    for (let i = 1; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      expect(chunk.start).toBeLessThan(chunks[i - 1]!.end);
      expect(chunk.start).toBeGreaterThan(chunks[i - 1]!.start);
      expect(text[chunk.start - 1]).toBe('\n');
      expect(text.slice(0, chunk.start).split('\n').length).toBe(chunk.lineNumber);
    }
    expect(chunks.at(-1)!.end).toBe(text.length);
  });

  it('cuts a line longer than a chunk inside it, and gives an empty text one empty chunk', () => {
    expect(chunksOf('x'.repeat(250), 100, 10).map((chunk) => [chunk.start, chunk.end])).toEqual([
      [0, 100],
      [100, 200],
      [200, 250],
    ]);
    expect(chunksOf('', 100, 10)).toEqual([{ start: 0, end: 0, lineNumber: 1 }]);
  });
});

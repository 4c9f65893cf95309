import { describe, expect, it } from 'vitest';
import { chunkLines } from './chunk-lines';

const texts = (text: string, chunkChars: number, overlapChars: number) =>
  [...chunkLines(text, 0, chunkChars, overlapChars)].map((chunk) => text.slice(chunk.start, chunk.end));

describe('chunkLines', () => {
  it('cuts at line ends, each chunk at most chunkChars, covering the text in order', () => {
    const text = Array.from({ length: 50 }, (_, index) => `line ${index} ${'x'.repeat(index % 7)}`).join(
      '\n',
    );
    const chunks = [...chunkLines(text, 3, 60, 0)];
    expect(chunks.every((chunk) => chunk.document === 3 && chunk.end - chunk.start <= 60)).toBe(true);
    expect(chunks.slice(0, -1).every((chunk) => text[chunk.end - 1] === '\n')).toBe(true);
    expect(chunks.map((chunk) => text.slice(chunk.start, chunk.end)).join('')).toBe(text);
  });

  it('repeats the last lines within overlapChars at the start of the next chunk', () => {
    const text = 'aaaa\nbbbb\ncccc\ndddd\neeee\n';
    expect(texts(text, 15, 6)).toEqual(['aaaa\nbbbb\ncccc\n', 'cccc\ndddd\neeee\n']);
  });

  it('cuts a line longer than a chunk inside it, and leaves out chunks of only white space', () => {
    expect(texts('x'.repeat(250), 100, 0)).toEqual(['x'.repeat(100), 'x'.repeat(100), 'x'.repeat(50)]);
    expect(texts('a\n\n\n   \n\n\nb', 3, 0)).toEqual(['a\n\n', 'b']);
    expect(texts('', 100, 0)).toEqual([]);
  });
});

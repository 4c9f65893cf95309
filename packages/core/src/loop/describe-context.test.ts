import { describe, expect, it } from 'vitest';
import { describeContext } from './describe-context';

describe('describeContext', () => {
  it('describes a string with head and tail previews', () => {
    const text = `${'a'.repeat(1000)}MIDDLE${'z'.repeat(1000)}`;
    const summary = describeContext(text);
    expect(summary).toMatchObject({
      type: 'string',
      totalCharacters: 2006,
      approximateTokens: 502,
      parts: 1,
      partSizes: [2006],
    });
    expect(summary.head).toBe('a'.repeat(300));
    expect(summary.tail).toBe('z'.repeat(300));
  });

  it('gives no tail for a short string', () => {
    expect(describeContext('short').tail).toBe('');
  });

  it('describes a list of documents with per-document sizes, capped at 100', () => {
    const documents = Array.from({ length: 150 }, (_, index) => `doc ${index} ${'x'.repeat(index)}`);
    const summary = describeContext(documents);
    expect(summary.type).toBe('string[]');
    expect(summary.parts).toBe(150);
    expect(summary.partSizes).toHaveLength(100);
    expect(summary.partSizes[10]).toBe(documents[10]!.length);
    expect(summary.totalCharacters).toBe(documents.reduce((sum, document) => sum + document.length, 0));
    expect(summary.head.startsWith('doc 0')).toBe(true);
    expect(summary.tail.endsWith('x'.repeat(149))).toBe(true);
  });

  it('describes JSON data by its JSON text and keys', () => {
    const data = { users: [{ id: 1 }], title: 'report' };
    const summary = describeContext(data);
    expect(summary.type).toBe('object');
    expect(summary.totalCharacters).toBe(JSON.stringify(data).length);
    expect(summary.keys).toEqual(['users', 'title']);
    expect(summary.partSizes).toEqual([JSON.stringify(data.users).length, 'report'.length]);
    expect(describeContext([{ a: 1 }, 2]).type).toBe('array');
    expect(describeContext(null).type).toBe('null');
  });
});

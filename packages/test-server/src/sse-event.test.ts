import { describe, expect, it } from 'vitest';
import { formatSseEvent, splitIntoDeltas } from './sse-event';

describe('formatSseEvent', () => {
  it('writes an optional event line, one data line and a blank line', () => {
    expect(formatSseEvent('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(formatSseEvent('{"type":"ping"}', 'ping')).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});

describe('splitIntoDeltas', () => {
  it('cuts at words, keeping whitespace, and joins back exactly', () => {
    expect(splitIntoDeltas('one two  three\nfour')).toEqual(['one ', 'two  ', 'three\n', 'four']);
    expect(splitIntoDeltas('  leading')).toEqual(['  ', 'leading']);
  });

  it('gives no deltas for an empty text', () => {
    expect(splitIntoDeltas('')).toEqual([]);
  });

  it('never cuts inside a surrogate pair', () => {
    const text = '🚀🚀 東京 🚀';
    const deltas = splitIntoDeltas(text);
    expect(deltas.join('')).toBe(text);
    // A lone surrogate at either end of a delta would mean a pair was cut.
    for (const delta of deltas) expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(delta)).toBe(false);
  });

  it('merges a long text into at most 200 deltas', () => {
    const text = Array.from({ length: 10_001 }, (_, index) => `w${index}`).join(' ');
    const deltas = splitIntoDeltas(text);
    // 10,001 words at ceil(10,001 / 200) = 51 words a delta.
    expect(deltas.length).toBe(197);
    expect(deltas.join('')).toBe(text);
  });
});

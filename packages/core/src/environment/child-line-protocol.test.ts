import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT } from '../javascript/javascript-prelude';
import {
  childLinePrefix,
  MAX_CHILD_LINE_BYTES,
  MAX_CHILD_LINE_CHARS,
  parseChildLine,
} from './child-line-protocol';

interface Ping {
  readonly k: string;
  readonly n: number;
  readonly type: 'ping';
}
const isPing = (header: unknown): header is Ping =>
  typeof header === 'object' && header !== null && (header as { type?: unknown }).type === 'ping';

describe('childLinePrefix', () => {
  it('is how the JSON header of line n of the process with that secret starts', () => {
    for (const [key, n] of [
      ['3f9a', 1],
      ['quote"and\\slash', 42],
      ['', 9_007_199_254_740_991],
    ] as const) {
      const header = JSON.stringify({ k: key, n, type: 'ping' });
      expect(header.startsWith(childLinePrefix(key, n))).toBe(true);
      expect(header.startsWith(childLinePrefix(key, n + 1))).toBe(false);
      expect(header.startsWith(childLinePrefix(`${key}x`, n))).toBe(false);
    }
  });
});

describe('parseChildLine', () => {
  const header = JSON.stringify({ k: 'key', n: 1, type: 'ping' });

  it('reads a header alone, or a header and the raw payload after the first tab', () => {
    expect(parseChildLine(header, isPing)).toEqual({
      message: { k: 'key', n: 1, type: 'ping' },
      payload: undefined,
    });
    const payload = JSON.stringify({ text: 'a\tb' }).replace('\\t', '\t');
    expect(parseChildLine(`${header}\t${payload}`, isPing)).toEqual({
      message: { k: 'key', n: 1, type: 'ping' },
      payload,
    });
    expect(parseChildLine(`${header}\t`, isPing).payload).toBe('');
  });

  it('throws for a line that is not a message of the protocol, quoting at most 200 characters of it', () => {
    const other = JSON.stringify({ k: 'key', n: 1, type: 'pong', pad: 'x'.repeat(1000) });
    expect(() => parseChildLine(other, isPing)).toThrow(/^not a message of the protocol: \{"k":"key"/);
    try {
      parseChildLine(other, isPing);
    } catch (error) {
      expect((error as Error).message.length).toBe('not a message of the protocol: '.length + 200);
    }
    expect(() => parseChildLine('not json', isPing)).toThrow(SyntaxError);
    expect(() => parseChildLine(`header\t${header}`, isPing)).toThrow(SyntaxError);
    expect(() => parseChildLine('', isPing)).toThrow(SyntaxError);
  });
});

describe('line limits', () => {
  it('fit one host call at its cap plus a header, in UTF-8 bytes', () => {
    expect(MAX_CHILD_LINE_CHARS).toBe(DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT + 1024 * 1024);
    expect(MAX_CHILD_LINE_BYTES).toBe(3 * MAX_CHILD_LINE_CHARS);
    // A line of the longest text still fits in a V8 string (~2^29 - 24 characters).
    expect(MAX_CHILD_LINE_BYTES).toBeLessThan(2 ** 29 - 24);
  });
});

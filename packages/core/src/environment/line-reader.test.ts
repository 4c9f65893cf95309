import { describe, expect, it, vi } from 'vitest';
import { LineReader } from './line-reader';

function collect(maxLineBytes?: number, checkStart?: (head: Buffer) => boolean) {
  const lines: string[] = [];
  const failures: string[] = [];
  const reader = new LineReader((line) => lines.push(line), {
    ...(maxLineBytes !== undefined ? { maxLineBytes } : {}),
    ...(checkStart ? { checkStart, checkStartBytes: 4 } : {}),
    onFailure: (reason) => failures.push(reason),
  });
  return { lines, reader, failures, overflows: () => failures.length };
}

describe('LineReader', () => {
  it('splits several lines in one chunk and keeps an unfinished one for later', () => {
    const { lines, reader } = collect();
    reader.push(Buffer.from('one\ntwo\nthr'));
    expect(lines).toEqual(['one', 'two']);
    expect(reader.bufferedBytes).toBe(3);
    reader.push(Buffer.from('ee\n\nfour\n'));
    expect(lines).toEqual(['one', 'two', 'three', '', 'four']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('delivers the same lines however the stream is cut into chunks', () => {
    const text = 'first\nsecond line\n\nthird é€🚀\nlast\n';
    const expected = ['first', 'second line', '', 'third é€🚀', 'last'];
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const { lines, reader } = collect();
      for (let offset = 0; offset < bytes.length; offset += size)
        reader.push(bytes.subarray(offset, offset + size));
      expect(lines, `chunks of ${size} bytes`).toEqual(expected);
      expect(reader.bufferedBytes).toBe(0);
    }
  });

  it('splits at \n only: a CRLF line keeps its \r, a lone \r ends no line', () => {
    // The protocol is JSON text, which never holds a raw \r: one would make the line fail to parse,
    // never silently become a different line.
    const { lines, reader } = collect();
    reader.push(Buffer.from('one\r\ntwo\rstill two\r'));
    reader.push(Buffer.from('\nthree\n'));
    expect(lines).toEqual(['one\r', 'two\rstill two\r', 'three']);
  });

  it('holds back a final line without a newline: a half-written message is never delivered', () => {
    const { lines, reader, failures } = collect();
    reader.push(Buffer.from('whole\n{"k":"half'));
    reader.push(Buffer.from('-written'));
    expect(lines).toEqual(['whole']);
    expect(reader.bufferedBytes).toBe('{"k":"half-written'.length);
    expect(failures).toEqual([]);
    reader.push(Buffer.from('"}\n'));
    expect(lines).toEqual(['whole', '{"k":"half-written"}']);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const { lines, reader } = collect();
    const bytes = Buffer.from('é€🚀\n');
    for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
    expect(lines).toEqual(['é€🚀']);
  });

  it('reads a 50 MB line that arrives in 4 KiB chunks exactly, copying its bytes once', () => {
    const { lines, reader } = collect();
    const text = `${'0123456789abcdef'.repeat(50 * 65_536)}é`;
    const bytes = Buffer.from(`${text}\nnext\n`);
    // Linear, counted rather than timed: re-concatenating the growing buffer per chunk (12,800 chunks)
    // would copy ~330 GB; the reader joins the pieces of a line once, when its end arrives.
    const concat = vi.spyOn(Buffer, 'concat');
    try {
      for (let offset = 0; offset < bytes.length; offset += 4096) {
        reader.push(bytes.subarray(offset, offset + 4096));
      }
      const copied = concat.mock.calls.reduce(
        (sum, [list]) =>
          sum + (list as readonly Uint8Array[]).reduce((bytesIn, piece) => bytesIn + piece.length, 0),
        0,
      );
      expect(concat.mock.calls.length).toBeLessThanOrEqual(2);
      expect(copied).toBeLessThanOrEqual(bytes.length);
    } finally {
      concat.mockRestore();
    }
    expect(lines.length).toBe(2);
    expect(lines[0]?.length).toBe(text.length);
    expect(lines[0] === text).toBe(true);
    expect(lines[1]).toBe('next');
  });

  it('drops a line longer than the limit and reports it once', () => {
    const { lines, reader, overflows } = collect(10);
    reader.push(Buffer.from('short\n0123456'));
    reader.push(Buffer.from('789abc'));
    expect(overflows()).toBe(1);
    reader.push(Buffer.from('\nlater\n'));
    expect(lines).toEqual(['short']);
    expect(overflows()).toBe(1);
  });

  it('fails an unterminated stream past the limit once, holding no more than the limit', () => {
    const { reader, failures } = collect(1000);
    for (let i = 0; i < 100; i++) reader.push(Buffer.alloc(100, 120));
    expect(failures).toEqual(['it sent more than 1000 bytes without ending the line']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('refuses a line whose start is wrong before buffering the rest of it', () => {
    const { lines, reader, failures } = collect(undefined, (head) => head.toString() === 'good');
    reader.push(Buffer.from('good line\ngo'));
    reader.push(Buffer.from('od again\nbad!'));
    reader.push(Buffer.from(' and more'));
    expect(lines).toEqual(['good line', 'good again']);
    expect(failures).toEqual(['it wrote a line that did not come from its protocol code']);
    reader.push(Buffer.from('\nlater\n'));
    expect(lines).toEqual(['good line', 'good again']);
  });

  it('turns a failure of the line handler into a failure of the stream, never a throw', () => {
    const failures: string[] = [];
    const reader = new LineReader(
      () => {
        throw new RangeError('Cannot create a string longer than 0x1fffffe8 characters');
      },
      { onFailure: (reason) => failures.push(reason) },
    );
    expect(() => reader.push(Buffer.from('x\ny\n'))).not.toThrow();
    expect(failures).toEqual([
      'a line could not be read (Cannot create a string longer than 0x1fffffe8 characters)',
    ]);
  });
});

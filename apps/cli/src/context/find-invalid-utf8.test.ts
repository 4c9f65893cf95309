import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from './decode-utf8';
import { findInvalidUtf8 } from './find-invalid-utf8';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('findInvalidUtf8', () => {
  it('accepts ASCII and every valid sequence length', () => {
    expect(findInvalidUtf8(new TextEncoder().encode('ascii, é, €, 𝄞, 中文'))).toBe(-1);
    expect(findInvalidUtf8(bytes())).toBe(-1);
  });

  it('finds the first bad byte: Latin-1, lone continuation, truncated, overlong, surrogate, above U+10FFFF', () => {
    expect(findInvalidUtf8(bytes(0x63, 0x61, 0x66, 0xe9))).toBe(3);
    expect(findInvalidUtf8(bytes(0x61, 0x80))).toBe(1);
    expect(findInvalidUtf8(bytes(0x61, 0xe2, 0x82))).toBe(1);
    expect(findInvalidUtf8(bytes(0xc0, 0xaf))).toBe(0);
    expect(findInvalidUtf8(bytes(0xe0, 0x80, 0xaf))).toBe(0);
    expect(findInvalidUtf8(bytes(0x61, 0xed, 0xa0, 0x80))).toBe(1);
    expect(findInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0);
  });

  it('agrees with TextDecoder on every two-byte input', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let first = 0; first < 256; first++) {
      for (const second of [0x00, 0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0]) {
        const input = bytes(first, second);
        let valid = true;
        try {
          decoder.decode(input);
        } catch {
          valid = false;
        }
        expect(findInvalidUtf8(input) === -1, `${first.toString(16)} ${second.toString(16)}`).toBe(valid);
      }
    }
  });
});

describe('decodeUtf8', () => {
  it('drops a byte-order mark and names the file, byte and line of bad bytes', () => {
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x68, 0x69), 'a.txt')).toBe('hi');
    expect(() => decodeUtf8(bytes(0x61, 0x0a, 0x62, 0x0a, 0xff), 'notes/old.txt')).toThrow(
      'notes/old.txt is not UTF-8 text: byte 4 (line 3) is 0xff, which cannot start or continue a UTF-8 character.',
    );
  });
});

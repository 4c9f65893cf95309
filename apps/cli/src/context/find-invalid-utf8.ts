/**
 * The byte offset of the first byte that does not start a valid UTF-8 sequence, or -1 when all of
 * `bytes` is valid UTF-8. `TextDecoder` with `fatal: true` only says *that* decoding failed; a user
 * converting a file needs to know *where*.
 */
export function findInvalidUtf8(bytes: Uint8Array): number {
  const length = bytes.length;
  let index = 0;
  while (index < length) {
    const first = bytes[index]!;
    if (first < 0x80) {
      index += 1;
      continue;
    }
    let needed: number;
    let lowest = 0x80;
    let highest = 0xbf;
    if (first >= 0xc2 && first <= 0xdf) needed = 1;
    else if (first >= 0xe0 && first <= 0xef) {
      needed = 2;
      // Overlong forms and UTF-16 surrogates are invalid: they narrow the second byte's range.
      if (first === 0xe0) lowest = 0xa0;
      if (first === 0xed) highest = 0x9f;
    } else if (first >= 0xf0 && first <= 0xf4) {
      needed = 3;
      if (first === 0xf0) lowest = 0x90;
      if (first === 0xf4) highest = 0x8f;
    } else return index;
    for (let offset = 1; offset <= needed; offset++) {
      const byte = bytes[index + offset];
      if (byte === undefined) return index;
      const min = offset === 1 ? lowest : 0x80;
      const max = offset === 1 ? highest : 0xbf;
      if (byte < min || byte > max) return index;
    }
    index += needed + 1;
  }
  return -1;
}

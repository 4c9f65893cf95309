import { InvalidArgumentError } from '@rlm/core';
import { findInvalidUtf8 } from './find-invalid-utf8';

/**
 * Decodes UTF-8 bytes strictly (a leading byte-order mark is dropped). Bytes that are not UTF-8 are
 * a usage error naming the source, the byte offset and line, and how to convert: replacing them with
 * U+FFFD would silently change what the model reads.
 */
export function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const offset = Math.max(0, findInvalidUtf8(bytes));
    const byte = bytes[offset] ?? 0;
    let line = 1;
    for (let index = 0; index < offset; index++) if (bytes[index] === 0x0a) line++;
    throw new InvalidArgumentError({
      argument: 'context',
      message:
        `${source} is not UTF-8 text: byte ${offset} (line ${line}) is 0x${byte.toString(16).padStart(2, '0')}, ` +
        'which cannot start or continue a UTF-8 character. Convert the file to UTF-8 first ' +
        `(for example \`iconv -f latin1 -t utf-8 ${source === '<stdin>' ? 'FILE' : source} > converted.txt\`), ` +
        'or leave it out of --context (in a folder, --exclude it).',
      cause: error,
    });
  }
}

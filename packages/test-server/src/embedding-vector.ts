/** The length of the vectors the test server returns when a request names no `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 256;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * A deterministic embedding of `text`: a hashed bag of words, L2-normalised. Each word (a run of
 * letters and digits, lower-cased) adds ±1 to the coordinate its FNV-1a hash picks, so texts that
 * share words have a high cosine and texts that share none are near 0. A text without words is the
 * zero vector.
 */
export function embedText(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): Float32Array {
  const vector = new Float32Array(dimensions);
  let hash = 0x811c9dc5;
  let inWord = false;
  const endWord = () => {
    const bucket = (hash >>> 0) % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + (hash & 0x80000000 ? -1 : 1);
    hash = 0x811c9dc5;
    inWord = false;
  };
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    let isWordCharacter: boolean;
    if (code < 128) {
      if (code >= 65 && code <= 90) code += 32;
      isWordCharacter = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    } else {
      const character = text[index]!;
      isWordCharacter = LETTER_OR_DIGIT.test(character);
      if (isWordCharacter) code = character.toLowerCase().charCodeAt(0);
    }
    if (isWordCharacter) {
      hash = Math.imul(hash ^ code, 0x01000193);
      inWord = true;
    } else if (inWord) {
      endWord();
    }
  }
  if (inWord) endWord();
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  if (sumOfSquares > 0) {
    const scale = 1 / Math.sqrt(sumOfSquares);
    for (let index = 0; index < dimensions; index++) vector[index]! *= scale;
  }
  return vector;
}

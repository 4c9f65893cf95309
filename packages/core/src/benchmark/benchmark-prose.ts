/**
 * About `characters` characters of lines of 10 to 19 words drawn Zipf-like from a seeded vocabulary
 * of 50,000 made-up words, for benchmarks of search over prose (BM25, embeddings). The same text on
 * every call. Returns the vocabulary too, so that queries can pick words that occur.
 */
export function makeBenchmarkProse(characters: number): { text: string; words: string[] } {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const words = Array.from({ length: 50_000 }, (_, index) => {
    let word = '';
    for (let letter = 0; letter < 3 + (index % 8); letter++)
      word += String.fromCharCode(97 + Math.floor(random() * 26));
    return word;
  });
  const lines: string[] = [];
  let size = 0;
  while (size < characters) {
    const count = 10 + Math.floor(random() * 10);
    const line = Array.from({ length: count }, () => words[Math.floor(words.length * random() ** 3)]).join(
      ' ',
    );
    lines.push(line);
    size += line.length + 1;
  }
  return { text: lines.join('\n'), words };
}

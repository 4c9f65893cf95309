import { type BenchInstance, charactersFor } from './bench-instance';
import { fillerText } from './filler-text';
import { SeededRandom } from './seeded-random';

/** The paper's S-NIAH puts the needle at one of 40 depths. */
export const NEEDLE_DEPTHS = 40;

const keyWords = [
  'amber',
  'birch',
  'cobalt',
  'delta',
  'ember',
  'fjord',
  'garnet',
  'harbor',
  'indigo',
  'juniper',
  'kestrel',
  'lumen',
  'meadow',
  'nimbus',
  'onyx',
  'prairie',
  'quartz',
  'raven',
  'sierra',
  'tundra',
];

/** The needle sentence, as RULER's single-needle task words it. */
export function needleSentence(key: string, number: string): string {
  return `One of the special magic numbers for ${key} is: ${number}.`;
}

/**
 * An S-NIAH instance: filler paragraphs with one needle at depth `(index mod 40) / 39` of the text
 * (at a paragraph break), and the question asking for its number.
 */
export function generateSniahInstance(sizeTokens: number, index: number, seed: number): BenchInstance {
  const random = new SeededRandom(seed);
  const key = `${random.pick(keyWords)}-${random.pick(keyWords)}-${random.integer(100, 999)}`;
  const number = String(random.integer(1_000_000, 9_999_999));
  const haystack = fillerText(random, charactersFor(sizeTokens));
  const depth = (index % NEEDLE_DEPTHS) / (NEEDLE_DEPTHS - 1);
  const target = Math.floor(haystack.length * depth);
  const breakAt = haystack.indexOf('\n\n', target);
  const at = breakAt === -1 ? haystack.length : breakAt;
  const context = `${haystack.slice(0, at)}\n\n${needleSentence(key, number)}${haystack.slice(at)}`;
  const needle = new RegExp(`special magic numbers for ${key} is: (\\d{7})\\.`);
  return {
    id: `sniah/${sizeTokens}/${index}`,
    family: 'sniah',
    sizeTokens,
    index,
    context,
    question: `What is the special magic number for ${key} mentioned in the context? Answer with the number only.`,
    gold: { kind: 'exact', value: number },
    answerFrom: (visible) => needle.exec(visible)?.[1] ?? 'not found',
  };
}

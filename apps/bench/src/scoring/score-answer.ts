import type { GoldAnswer } from '../tasks/bench-instance';

/** OOLONG's numeric score: 0.75 to the power of the absolute error (1 when exact). */
export function numericScore(gold: number, answer: number): number {
  return 0.75 ** Math.abs(gold - answer);
}

/**
 * The number an answer gives: the last number in it ("There are 41 records." → 41; "41" → 41),
 * commas as thousands separators allowed. `undefined` when it has none.
 */
export function parseNumberAnswer(answer: string): number | undefined {
  const numbers = answer.match(/-?\d[\d,]*(?:\.\d+)?/g);
  if (!numbers) return undefined;
  return Number((numbers.at(-1) as string).replaceAll(',', ''));
}

/** Case, surrounding quotes and backticks, a final period and runs of spaces do not count. */
export function normaliseAnswer(text: string): string {
  return text
    .trim()
    .replace(/^(?:final answer|answer)\s*:\s*/i, '')
    .replace(/^["'`*]+|["'`*]+$/g, '')
    .replace(/\.$/, '')
    .replace(/^["'`*]+|["'`*]+$/g, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/**
 * Exact match after {@link normaliseAnswer}; a short answer that holds the gold as a whole phrase
 * ("The river is Velmar.") also counts, as long as it names nothing else of the same length class:
 * it must be at most the gold's length plus 40 characters.
 */
export function exactScore(gold: string, answer: string): number {
  const expected = normaliseAnswer(gold);
  const given = normaliseAnswer(answer);
  if (given === expected) return 1;
  if (given.length > expected.length + 40) return 0;
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w/.-])${escaped}($|[^\\w/-])`).test(given) ? 1 : 0;
}

/** The pairs an answer lists, `(a, b)` or `a, b` per pair, each ordered lower first, without repeats. */
export function parsePairs(answer: string): [number, number][] {
  const pairs = new Map<string, [number, number]>();
  for (const match of answer.matchAll(/(\d+)\s*[,;/-]\s*(\d+)/g)) {
    const first = Number(match[1]);
    const second = Number(match[2]);
    const pair: [number, number] = first <= second ? [first, second] : [second, first];
    pairs.set(pair.join(','), pair);
  }
  return [...pairs.values()];
}

/** F1 of the listed pairs against the gold pairs; 1 when both are empty. */
export function pairsF1(
  gold: readonly (readonly [number, number])[],
  answer: readonly (readonly [number, number])[],
): number {
  const expected = new Set(gold.map((pair) => `${Math.min(...pair)},${Math.max(...pair)}`));
  const given = new Set(answer.map((pair) => `${Math.min(...pair)},${Math.max(...pair)}`));
  if (expected.size === 0 && given.size === 0) return 1;
  let correct = 0;
  for (const pair of given) if (expected.has(pair)) correct += 1;
  if (correct === 0) return 0;
  const precision = correct / given.size;
  const recall = correct / expected.size;
  return (2 * precision * recall) / (precision + recall);
}

/** The score of `answer` in [0, 1], by the gold's kind. No answer scores 0. */
export function scoreAnswer(gold: GoldAnswer, answer: string | undefined): number {
  if (answer === undefined) return 0;
  switch (gold.kind) {
    case 'number': {
      const value = parseNumberAnswer(answer);
      return value === undefined ? 0 : numericScore(gold.value, value);
    }
    case 'exact':
      return exactScore(gold.value, answer);
    case 'pairs':
      return pairsF1(gold.value, parsePairs(answer));
  }
}

/** The gold answer as text, for tables and the JSONL. */
export function goldText(gold: GoldAnswer): string {
  return gold.kind === 'pairs' ? gold.value.map(([a, b]) => `(${a}, ${b})`).join(' ') : String(gold.value);
}

import { type BenchInstance, charactersFor } from './bench-instance';
import {
  countByUser,
  generateRecords,
  LABELS,
  type LabelledRecord,
  RECORDS_PREAMBLE,
  recordsInText,
} from './labelled-records';
import { SeededRandom } from './seeded-random';

/** Every pair (lower id first) of the users that have at least `minimum` records of `label`, sorted. */
export function qualifyingPairs(
  records: readonly LabelledRecord[],
  label: (typeof LABELS)[number],
  minimum: number,
): [number, number][] {
  const users = [...countByUser(records, label)]
    .filter(([, count]) => count >= minimum)
    .map(([user]) => user)
    .sort((a, b) => a - b);
  const pairs: [number, number][] = [];
  for (let first = 0; first < users.length; first += 1) {
    for (let second = first + 1; second < users.length; second += 1) {
      pairs.push([users[first] as number, users[second] as number]);
    }
  }
  return pairs;
}

/** `(a, b)` lines, the answer format the question asks for. */
export function formatPairs(pairs: readonly (readonly [number, number])[]): string {
  return pairs.length === 0 ? 'none' : pairs.map(([a, b]) => `(${a}, ${b})`).join('\n');
}

/**
 * An OOLONG-Pairs-like instance: list the pairs of users who both have at least `k` records of a
 * label. `k` is the smallest that leaves 3 to 12 users (3 to 66 pairs), so the list is neither
 * trivial nor huge at any size.
 */
export function generateOolongPairsInstance(sizeTokens: number, index: number, seed: number): BenchInstance {
  const random = new SeededRandom(seed);
  const { records, labelOf, text } = generateRecords(random, charactersFor(sizeTokens));
  let label = random.pick(LABELS);
  let minimum = 1;
  search: for (const candidate of random.shuffle(LABELS)) {
    for (let k = 1; k <= 200; k += 1) {
      const users = [...countByUser(records, candidate).values()].filter((count) => count >= k).length;
      if (users < 3) break;
      if (users <= 12) {
        label = candidate;
        minimum = k;
        break search;
      }
    }
  }
  const pairs = qualifyingPairs(records, label, minimum);
  return {
    id: `oolong-pairs/${sizeTokens}/${index}`,
    family: 'oolong-pairs',
    sizeTokens,
    index,
    context: text,
    question:
      `${RECORDS_PREAMBLE}\n\nList every pair of user ids where both users have at least ${minimum} record${minimum === 1 ? '' : 's'} with the label '${label}'. ` +
      'Write each pair as (lower id, higher id), one pair per line, and nothing else.',
    gold: { kind: 'pairs', value: pairs },
    answerFrom: (visible) => formatPairs(qualifyingPairs(recordsInText(visible, labelOf), label, minimum)),
  };
}

import { type BenchInstance, charactersFor } from './bench-instance';
import {
  countByUser,
  countLabels,
  formatRecordDate,
  generateRecords,
  LABELS,
  type Label,
  type LabelledRecord,
  RECORDS_PREAMBLE,
  recordsInText,
} from './labelled-records';
import { SeededRandom } from './seeded-random';

/** One aggregate question over labelled records, answerable from any subset of them. */
interface RecordQuery {
  readonly question: string;
  readonly numeric: boolean;
  readonly solve: (records: readonly LabelledRecord[]) => string;
}

/** The label (or user) with the highest value; ties broken by name so that any reader agrees. */
function argMax<K>(counts: ReadonlyMap<K, number>, pick: 'max' | 'min'): K | undefined {
  let best: K | undefined;
  let bestCount = 0;
  for (const [key, count] of [...counts].sort((a, b) => String(a[0]).localeCompare(String(b[0])))) {
    if (best === undefined || (pick === 'max' ? count > bestCount : count < bestCount)) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

function isUniqueExtreme<K>(counts: ReadonlyMap<K, number>, pick: 'max' | 'min'): boolean {
  const values = [...counts.values()];
  const extreme = pick === 'max' ? Math.max(...values) : Math.min(...values);
  return values.filter((value) => value === extreme).length === 1;
}

/**
 * The OOLONG-like questions (after the paper's trec_coarse split): counts per label, most and least
 * common label, comparisons, the user with most of a label, and counts after a date. A question
 * whose answer would be a tie on the whole context is replaced by a count, so each gold is unique.
 */
function chooseQuery(random: SeededRandom, index: number, records: readonly LabelledRecord[]): RecordQuery {
  const label = random.pick(LABELS);
  const other = random.pick(LABELS.filter((candidate) => candidate !== label));
  const count: RecordQuery = {
    question: `How many records have the label '${label}'? Answer with the number only.`,
    numeric: true,
    solve: (subset) => String(countLabels(subset).get(label)),
  };
  switch (index % 6) {
    case 1:
    case 2: {
      const pick = index % 6 === 1 ? 'max' : 'min';
      if (!isUniqueExtreme(countLabels(records), pick)) return count;
      return {
        question: `Which label is the ${pick === 'max' ? 'most' : 'least'} common among all records? Answer with the label only.`,
        numeric: false,
        solve: (subset) => argMax(countLabels(subset), pick) as string,
      };
    }
    case 3:
      return {
        question: `Is the label '${label}' more common, less common, or as common as the label '${other}'? Answer with exactly one of: more common, less common, same frequency.`,
        numeric: false,
        solve: (subset) => {
          const counts = countLabels(subset);
          const difference = (counts.get(label) ?? 0) - (counts.get(other) ?? 0);
          return difference > 0 ? 'more common' : difference < 0 ? 'less common' : 'same frequency';
        },
      };
    case 4: {
      if (!isUniqueExtreme(countByUser(records, label), 'max')) return count;
      return {
        question: `Which user has the most records with the label '${label}'? Answer with the user id only.`,
        numeric: false,
        solve: (subset) => String(argMax(countByUser(subset, label), 'max') ?? 'none'),
      };
    }
    case 5: {
      const sorted = [...records].sort((a, b) => a.date.getTime() - b.date.getTime());
      const cut = (sorted[random.integer(0, sorted.length - 1)] as LabelledRecord).date;
      return {
        question: `How many records with the label '${label}' are dated after ${formatRecordDate(cut)} (that day excluded)? Answer with the number only.`,
        numeric: true,
        solve: (subset) =>
          String(
            subset.filter((record) => record.label === label && record.date.getTime() > cut.getTime()).length,
          ),
      };
    }
    default:
      return count;
  }
}

/** An OOLONG-like instance of about `sizeTokens` tokens. */
export function generateOolongInstance(sizeTokens: number, index: number, seed: number): BenchInstance {
  const random = new SeededRandom(seed);
  const { records, labelOf, text } = generateRecords(random, charactersFor(sizeTokens));
  const query = chooseQuery(random, index, records);
  const answer = query.solve(records);
  return {
    id: `oolong/${sizeTokens}/${index}`,
    family: 'oolong',
    sizeTokens,
    index,
    context: text,
    question: `${RECORDS_PREAMBLE}\n\n${query.question}`,
    gold: query.numeric ? { kind: 'number', value: Number(answer) } : { kind: 'exact', value: answer },
    answerFrom: (visible) => query.solve(recordsInText(visible, labelOf)),
  };
}

export type { Label };

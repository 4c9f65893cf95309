import { describe, expect, it } from 'vitest';
import {
  exactScore,
  normaliseAnswer,
  numericScore,
  pairsF1,
  parseNumberAnswer,
  parsePairs,
  scoreAnswer,
} from './score-answer';

describe('numeric scoring (0.75^|error|)', () => {
  it.each([
    [10, 10, 1],
    [10, 11, 0.75],
    [10, 9, 0.75],
    [10, 12, 0.5625],
    [10, 7, 0.421875],
    [0, 4, 0.31640625],
  ])('gold %d, answer %d → %d', (gold, answer, score) => {
    expect(numericScore(gold, answer)).toBeCloseTo(score, 12);
  });

  it('reads the last number of the answer, with thousands separators', () => {
    expect(parseNumberAnswer('41')).toBe(41);
    expect(parseNumberAnswer('There are 1,204 records.')).toBe(1204);
    expect(parseNumberAnswer('Of the 6 labels, 17 match')).toBe(17);
    expect(parseNumberAnswer('none')).toBeUndefined();
    expect(scoreAnswer({ kind: 'number', value: 20 }, 'I count 18 of them')).toBeCloseTo(0.5625, 12);
    expect(scoreAnswer({ kind: 'number', value: 20 }, 'I cannot tell')).toBe(0);
    expect(scoreAnswer({ kind: 'number', value: 20 }, undefined)).toBe(0);
  });
});

describe('exact scoring', () => {
  it('ignores case, quotes, a final period and spaces', () => {
    expect(normaliseAnswer('  "Velmar".  ')).toBe('velmar');
    expect(exactScore('Velmar', 'velmar')).toBe(1);
    expect(exactScore('4711234', '`4711234`')).toBe(1);
    expect(exactScore('numeric value', 'Answer: Numeric  value.')).toBe(1);
  });

  it('accepts a short sentence holding the gold as a whole phrase, and nothing else', () => {
    expect(exactScore('Velmar', 'The river is Velmar.')).toBe(1);
    expect(exactScore('Velmar', 'Velmarsh')).toBe(0);
    expect(exactScore('apps/cli/src/main.ts', 'It is defined in apps/cli/src/main.ts')).toBe(1);
    expect(exactScore('src/main.ts', 'apps/cli/src/main.ts')).toBe(0);
    expect(exactScore('more common', 'less common')).toBe(0);
    expect(exactScore('12', '123')).toBe(0);
    expect(
      exactScore(
        'Velmar',
        `After reading every document at length, which took a while, I think it is Velmar`,
      ),
    ).toBe(0);
  });
});

describe('F1 over pairs', () => {
  it('parses pairs in any order, lower id first, without repeats', () => {
    expect(parsePairs('(12345, 23456)\n(34567, 12345)\n23456,12345')).toEqual([
      [12345, 23456],
      [12345, 34567],
    ]);
    expect(parsePairs('none')).toEqual([]);
  });

  it.each([
    {
      gold: [
        [1, 2],
        [1, 3],
        [2, 3],
      ],
      answer: [
        [1, 2],
        [1, 3],
        [2, 3],
      ],
      f1: 1,
    },
    {
      gold: [
        [1, 2],
        [1, 3],
        [2, 3],
      ],
      answer: [
        [1, 2],
        [3, 1],
        [4, 5],
      ],
      f1: 2 / 3,
    },
    {
      gold: [
        [1, 2],
        [1, 3],
        [2, 3],
        [3, 4],
      ],
      answer: [[1, 2]],
      f1: 0.4,
    },
    {
      gold: [[1, 2]],
      answer: [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
      f1: 0.4,
    },
    { gold: [[1, 2]], answer: [[3, 4]], f1: 0 },
    { gold: [], answer: [], f1: 1 },
    { gold: [[1, 2]], answer: [], f1: 0 },
  ] as { gold: [number, number][]; answer: [number, number][]; f1: number }[])('F1 $f1', ({
    gold,
    answer,
    f1,
  }) => {
    expect(pairsF1(gold, answer)).toBeCloseTo(f1, 12);
  });

  it('scores an answer text', () => {
    expect(
      scoreAnswer(
        {
          kind: 'pairs',
          value: [
            [10001, 10002],
            [10001, 10003],
          ],
        },
        '(10001, 10002)\n(10002, 10003)',
      ),
    ).toBeCloseTo(0.5, 12);
  });
});

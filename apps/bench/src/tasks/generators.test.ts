import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goldText, scoreAnswer } from '../scoring/score-answer';
import { type BenchInstance, contextToText, documentsInText, TASK_FAMILIES } from './bench-instance';
import { generateBrowseCompInstance } from './browsecomp-task';
import { readCodeBaseFiles } from './code-base-files';
import { generateCodeQaInstance } from './codeqa-task';
import { generateInstances } from './generate-instances';
import { LABELS, type Label } from './labelled-records';
import { generateOolongPairsInstance } from './oolong-pairs-task';
import { generateOolongInstance } from './oolong-task';
import { generateSniahInstance } from './sniah-task';

const repositoryRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const codeBase = readCodeBaseFiles(repositoryRoot);
const seeds = [1, 7, 42, 1234];
const sizes = [8_192, 32_768];

/**
 * A classifier written apart from the generator (by how each question starts), so that the gold of
 * the OOLONG tasks is checked against labels the generator did not hand over.
 */
function classify(question: string): Label {
  if (/^(What does \w+ stand for|What is the full form of|What is \w+ short for)/.test(question))
    return 'abbreviation';
  if (/^(What is the meaning of|How does a|Why do people|What is the difference between)/.test(question))
    return 'description and abstract concept';
  if (/^(What kind of|Which \w|What [\w ]+ is named after)/.test(question)) return 'entity';
  if (/^Who /.test(question)) return 'human being';
  if (/^(Where |In which country)/.test(question)) return 'location';
  if (/^(How many|When was|How far|What is the population)/.test(question)) return 'numeric value';
  throw new Error(`unclassified: ${question}`);
}

function records(instance: BenchInstance) {
  return (instance.context as string)
    .trimEnd()
    .split('\n')
    .map((line) => {
      const [date, user, text] = line.split(' || ').map((part) => part.slice(part.indexOf(': ') + 2));
      return {
        date: Date.parse(`${date} UTC`),
        user: Number(user),
        text: text as string,
        label: classify(text as string),
      };
    });
}

describe('every generator', () => {
  for (const family of TASK_FAMILIES) {
    for (const size of sizes) {
      it(`${family} at ${size} tokens: seeded, about the size asked, and its gold is what reading the whole context gives`, () => {
        const plan = { families: [family], sizes: [size], perCell: 4, seed: 3, repo: repositoryRoot };
        const instances = [...generateInstances(plan)];
        const again = [...generateInstances(plan)];
        expect(instances.map((instance) => [instance.question, contextToText(instance.context)])).toEqual(
          again.map((instance) => [instance.question, contextToText(instance.context)]),
        );
        expect(new Set(instances.map((instance) => instance.id)).size).toBe(4);
        for (const instance of instances) {
          const text = contextToText(instance.context);
          expect(text.length / 4).toBeGreaterThan(size * 0.9);
          expect(text.length / 4).toBeLessThan(size * 1.25);
          const fromWholeText = instance.answerFrom(text);
          expect(fromWholeText).toBe(goldText(instance.gold).replaceAll(') (', ')\n(') || 'none');
          expect(scoreAnswer(instance.gold, fromWholeText)).toBe(1);
        }
      });
    }
  }

  it('a different seed gives different instances', () => {
    const one = generateOolongInstance(8_192, 0, 1);
    const other = generateOolongInstance(8_192, 0, 2);
    expect(one.context).not.toBe(other.context);
  });
});

describe('OOLONG-like', () => {
  it.each(
    seeds,
  )('seed %d: every label is inferable and the gold counts match an independent classifier', (seed) => {
    for (let index = 0; index < 6; index += 1) {
      const instance = generateOolongInstance(8_192, index, seed * 10 + index);
      const lines = records(instance);
      expect(instance.context as string).not.toMatch(new RegExp(LABELS.join('|')));
      const counts = new Map<Label, number>(LABELS.map((label) => [label, 0]));
      for (const record of lines) counts.set(record.label, (counts.get(record.label) ?? 0) + 1);
      const label = /label '([^']+)'/.exec(instance.question)?.[1] as Label | undefined;
      if (/^How many records have the label/m.test(instance.question)) {
        expect(instance.gold).toEqual({ kind: 'number', value: counts.get(label as Label) });
      } else if (/most common among/.test(instance.question)) {
        const max = Math.max(...counts.values());
        expect(instance.gold).toEqual({
          kind: 'exact',
          value: [...counts].find(([, count]) => count === max)?.[0],
        });
      } else if (/least common among/.test(instance.question)) {
        const min = Math.min(...counts.values());
        expect(instance.gold).toEqual({
          kind: 'exact',
          value: [...counts].find(([, count]) => count === min)?.[0],
        });
      } else if (/dated after/.test(instance.question)) {
        const after = Date.parse(`${/dated after (\w{3} \d{2}, \d{4})/.exec(instance.question)?.[1]} UTC`);
        const expected = lines.filter((record) => record.label === label && record.date > after).length;
        expect(instance.gold).toEqual({ kind: 'number', value: expected });
      } else if (/Which user has the most/.test(instance.question)) {
        const perUser = new Map<number, number>();
        for (const record of lines)
          if (record.label === label) perUser.set(record.user, (perUser.get(record.user) ?? 0) + 1);
        const max = Math.max(...perUser.values());
        expect(instance.gold).toEqual({
          kind: 'exact',
          value: String([...perUser].find(([, count]) => count === max)?.[0]),
        });
      }
    }
  });

  it('answers from part of the records differ from the gold when the part misses records', () => {
    const instance = generateOolongInstance(32_768, 0, 5);
    const text = instance.context as string;
    const part = text.slice(0, Math.floor(text.length / 4));
    expect(scoreAnswer(instance.gold, instance.answerFrom(part))).toBeLessThan(0.01);
    // A line cut in the middle is not a record: its text is not one the generator wrote.
    expect(instance.answerFrom(text.slice(0, 150))).toMatch(/^\d+$/);
  });
});

describe('OOLONG-Pairs-like', () => {
  it.each(
    seeds,
  )('seed %d: the gold pairs are the pairs of users with at least k records of the label', (seed) => {
    const instance = generateOolongPairsInstance(16_384, 0, seed);
    const [, k, label] = /at least (\d+) records? with the label '([^']+)'/.exec(instance.question) ?? [];
    const perUser = new Map<number, number>();
    for (const record of records(instance))
      if (record.label === label) perUser.set(record.user, (perUser.get(record.user) ?? 0) + 1);
    const users = [...perUser].filter(([, count]) => count >= Number(k)).map(([user]) => user);
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(users.length).toBeLessThanOrEqual(12);
    const gold = instance.gold.kind === 'pairs' ? instance.gold.value : [];
    expect(gold).toHaveLength((users.length * (users.length - 1)) / 2);
    for (const [a, b] of gold) {
      expect(a).toBeLessThan(b);
      expect(users).toContain(a);
      expect(users).toContain(b);
    }
  });
});

describe('S-NIAH', () => {
  it.each(seeds)('seed %d: one needle, at the depth its index names, holding the gold number', (seed) => {
    for (const index of [0, 13, 39]) {
      const instance = generateSniahInstance(16_384, index, seed);
      const text = instance.context as string;
      const needles = [...text.matchAll(/special magic numbers for (\S+) is: (\d{7})\./g)];
      expect(needles).toHaveLength(1);
      expect(instance.gold).toEqual({ kind: 'exact', value: needles[0]?.[2] });
      expect(instance.question).toContain(needles[0]?.[1] as string);
      expect(Math.abs((needles[0]?.index ?? 0) / text.length - index / 39)).toBeLessThan(0.05);
    }
  });

  it('a reader who sees the text without the needle does not find it', () => {
    const instance = generateSniahInstance(16_384, 39, 1);
    expect(instance.answerFrom((instance.context as string).slice(0, 30_000))).toBe('not found');
  });
});

describe('BrowseComp-Plus-like', () => {
  it.each(seeds)('seed %d: the gold river is reached by 2 to 4 documents of the context', (seed) => {
    for (const index of [0, 1, 2]) {
      const instance = generateBrowseCompInstance(32_768, index, seed);
      const documents = instance.context as readonly { path: string; text: string }[];
      expect(documents.length).toBeGreaterThanOrEqual(35);
      const statement = (pattern: RegExp) =>
        documents.flatMap((document) => [...document.text.matchAll(pattern)]);
      const subject = (
        /firm that built (.+?) was born/.exec(instance.question)?.[1] ??
        /the founder of (.+?) was born/.exec(instance.question)?.[1] ??
        /the town where (.+?) was born/.exec(instance.question)?.[1] ??
        ''
      ).replace(/^the /, 'The ');
      const hops = [
        /(.+?) was built by the firm (.+?)\./g,
        /(.+?) was founded by (.+?)\./g,
        /(.+?) was born in the town of (.+?)\./g,
        /(.+?) lies on the river (.+?)\./g,
      ];
      const needed = 2 + (index % 3);
      let current: string = subject;
      for (const pattern of hops.slice(4 - needed)) {
        const found = statement(pattern).filter((match) => (match[1] as string).endsWith(current));
        expect(found, `${current} in ${instance.id}`).toHaveLength(1);
        current = found[0]?.[2] as string;
      }
      expect(instance.gold).toEqual({ kind: 'exact', value: current });
    }
  });

  it('documents cut off at the end of a window are not read', () => {
    const instance = generateBrowseCompInstance(8_192, 0, 1);
    const text = contextToText(instance.context);
    expect(documentsInText(text)).toHaveLength((instance.context as unknown[]).length);
    expect(documentsInText(text.slice(0, text.length - 10))).toHaveLength(
      (instance.context as unknown[]).length - 1,
    );
  });
});

describe('CodeQA-like over this repository', () => {
  it.each(seeds)('seed %d: answers computed from the files agree with a plain text search', (seed) => {
    for (const index of [0, 1, 2]) {
      const instance = generateCodeQaInstance(32_768, index, seed, codeBase);
      const files = instance.context as readonly { path: string; text: string }[];
      const name = /`([^`]+)`/.exec(instance.question)?.[1] as string;
      if (/Which file defines/.test(instance.question)) {
        const defining = files.filter((file) =>
          file.text
            .split('\n')
            .some((line) =>
              new RegExp(`^\\s*(export )?(default )?(async )?(function|class) ${name}\\b`).test(line),
            ),
        );
        expect(instance.gold).toEqual({ kind: 'exact', value: defining[0]?.path });
        expect(defining).toHaveLength(1);
      } else if (/How many of the files call/.test(instance.question)) {
        const callsOnLine = (line: string) => {
          if (new RegExp(`(function|class)\\s+${name}\\b`).test(line)) return false;
          for (let at = line.indexOf(name); at !== -1; at = line.indexOf(name, at + 1)) {
            const before = line[at - 1] ?? ' ';
            const after = line.slice(at + name.length).trimStart();
            if (!/[\w$.]/.test(before) && after.startsWith('(')) return true;
          }
          return false;
        };
        const calling = files.filter((file) => file.text.split('\n').some(callsOnLine));
        expect(instance.gold).toEqual({ kind: 'exact', value: String(calling.length) });
      } else {
        const manifests = files.filter(
          (file) => file.path.endsWith('package.json') && file.text.includes(`"${name}":`),
        );
        expect(instance.gold).toEqual({ kind: 'exact', value: String(manifests.length) });
      }
    }
  });

  it('refuses a folder with no source files, saying what --repo wants', () => {
    expect(() =>
      readCodeBaseFiles(
        fileURLToPath(new URL('.', import.meta.url)).replace(/src\/tasks\/$/, 'node_modules/.bin'),
      ),
    ).toThrow(/--repo/);
  });
});

import type { SeededRandom } from './seeded-random';

const onsets = [
  'br',
  'c',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'th',
  'st',
  'gr',
  'el',
];
const vowels = ['a', 'e', 'i', 'o', 'u', 'ae', 'io', 'ou'];
const codas = ['n', 'r', 'l', 's', 'th', 'nd', 'rk', 'm', 'x', ''];

/** A made-up word of `syllables` syllables, capitalised: no model has facts about it. */
export function inventedWord(random: SeededRandom, syllables: number): string {
  let word = '';
  for (let index = 0; index < syllables; index += 1) {
    word += random.pick(onsets) + random.pick(vowels) + (index === syllables - 1 ? random.pick(codas) : '');
  }
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Invented names, each used once: `make` is called again on a clash. */
export class UniqueNames {
  private readonly used = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  next(make: (random: SeededRandom) => string): string {
    for (let attempt = 0; attempt < 1000; attempt += 1) {
      const name = make(this.random);
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
    throw new Error('UniqueNames: ran out of distinct invented names; use more syllables.');
  }
}

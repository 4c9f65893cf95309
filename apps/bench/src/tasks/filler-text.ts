import type { SeededRandom } from './seeded-random';

const subjects = [
  'The committee',
  'A traveller',
  'The old gardener',
  'Our neighbour',
  'The museum guide',
  'A young engineer',
  'The village baker',
  'The night watchman',
  'A retired sailor',
  'The librarian',
];
const verbs = [
  'remembered',
  'described',
  'questioned',
  'admired',
  'rebuilt',
  'measured',
  'painted',
  'followed',
  'ignored',
  'celebrated',
];
const objects = [
  'the long winter',
  'a quiet harbour',
  'the broken clock',
  'an unfinished letter',
  'the orchard wall',
  'a map of the coast',
  'the autumn fair',
  'a borrowed lantern',
  'the stone bridge',
  'an empty workshop',
];
const endings = [
  'before dawn',
  'with some hesitation',
  'for the third time',
  'without a word',
  'in the rain',
  'as the bells rang',
  'after the storm',
  'while the tea cooled',
  'under a grey sky',
  'at the end of the season',
];

/** One plain sentence about nothing in particular: haystack material that no question asks about. */
export function fillerSentence(random: SeededRandom): string {
  return `${random.pick(subjects)} ${random.pick(verbs)} ${random.pick(objects)} ${random.pick(endings)}.`;
}

/** Paragraphs of filler sentences, `characters` long or a little more. */
export function fillerText(random: SeededRandom, characters: number): string {
  const paragraphs: string[] = [];
  let length = 0;
  while (length < characters) {
    const sentences: string[] = [];
    const count = random.integer(3, 7);
    for (let index = 0; index < count; index += 1) sentences.push(fillerSentence(random));
    const paragraph = sentences.join(' ');
    paragraphs.push(paragraph);
    length += paragraph.length + 2;
  }
  return paragraphs.join('\n\n');
}

import type { SeededRandom } from './seeded-random';

/**
 * OOLONG's trec_coarse labels. A record's label never appears in the context: it follows from what
 * the question in the record asks, as in the paper's task.
 */
export const LABELS = [
  'abbreviation',
  'description and abstract concept',
  'entity',
  'human being',
  'location',
  'numeric value',
] as const;

export type Label = (typeof LABELS)[number];

/** One line of the context: `Date: … || User: … || Instance: …`. */
export interface LabelledRecord {
  readonly date: Date;
  readonly user: number;
  readonly text: string;
  readonly label: Label;
}

const nouns = [
  'violin',
  'glacier',
  'lantern',
  'compass',
  'turbine',
  'orchid',
  'falcon',
  'harbor',
  'telescope',
  'quilt',
  'canyon',
  'beetle',
  'printing press',
  'kayak',
  'saffron',
  'volcano',
  'satellite',
  'mosaic',
  'ferry',
  'cactus',
];
const concepts = [
  'entropy',
  'irony',
  'inflation',
  'democracy',
  'photosynthesis',
  'nostalgia',
  'gravity',
  'empathy',
  'recursion',
  'erosion',
  'justice',
  'symmetry',
  'metabolism',
  'liberty',
  'friction',
];
const activities = [
  'knit scarves',
  'climb mountains',
  'collect stamps',
  'bake sourdough',
  'learn chess',
  'grow tomatoes',
  'sail at night',
  'keep bees',
  'paint murals',
  'run marathons',
];
const categories = [
  'tree',
  'bird',
  'fabric',
  'mineral',
  'instrument',
  'breed of dog',
  'spice',
  'vehicle',
  'flower',
  'currency',
];
const places = [
  'Lake Varnis',
  'Port Elmsworth',
  'the Ardent Valley',
  'Mount Kelsa',
  'Brindle Bay',
  'the Osric Plains',
  'Cape Hollow',
  'Tarrow Island',
  'the Veldt Coast',
  'Ninefold City',
];
const achievements = [
  'cross the Atlantic alone',
  'map the deep ocean floor',
  'climb the northern ridge',
  'build a steam engine',
  'photograph a comet',
  'win three chess titles',
];
const groups = ['dozen', 'deck of cards', 'orchestra', 'football team', 'chess set', 'week', 'century'];

const templates: Readonly<Record<Label, readonly ((random: SeededRandom) => string)[]>> = {
  abbreviation: [
    (random) => `What does ${acronym(random)} stand for?`,
    (random) => `What is the full form of ${acronym(random)}?`,
    (random) => `What is ${acronym(random)} short for in ${random.pick(categories)} catalogues?`,
  ],
  'description and abstract concept': [
    (random) => `What is the meaning of ${random.pick(concepts)}?`,
    (random) => `How does a ${random.pick(nouns)} work?`,
    (random) => `Why do people ${random.pick(activities)}?`,
    (random) => `What is the difference between ${random.pick(concepts)} and ${random.pick(concepts)}?`,
  ],
  entity: [
    (random) => `What kind of ${random.pick(categories)} is used to make a ${random.pick(nouns)}?`,
    (random) => `Which ${random.pick(categories)} is best for people who ${random.pick(activities)}?`,
    (random) => `What ${random.pick(categories)} is named after the ${random.pick(nouns)}?`,
  ],
  'human being': [
    (random) => `Who invented the ${random.pick(nouns)}?`,
    (random) => `Who was the first person to ${random.pick(achievements)}?`,
    (random) => `Who wrote the famous essay on ${random.pick(concepts)}?`,
  ],
  location: [
    (random) => `Where is the oldest ${random.pick(nouns)} of ${random.pick(places)}?`,
    (random) => `In which country is ${random.pick(places)}?`,
    (random) => `Where can you find a wild ${random.pick(categories)} near ${random.pick(places)}?`,
  ],
  'numeric value': [
    (random) => `How many ${random.pick(nouns)}s are there in a ${random.pick(groups)}?`,
    (random) => `When was the first ${random.pick(nouns)} built?`,
    (random) => `How far is ${random.pick(places)} from the nearest ${random.pick(nouns)}?`,
    (random) => `What is the population of ${random.pick(places)}?`,
  ],
};

function acronym(random: SeededRandom): string {
  const length = random.integer(2, 5);
  let text = '';
  for (let index = 0; index < length; index += 1) text += String.fromCharCode(65 + random.integer(0, 25));
  return text;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon DD, YYYY`, as the paper's records write dates. */
export function formatRecordDate(date: Date): string {
  return `${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, '0')}, ${date.getUTCFullYear()}`;
}

export function parseRecordDate(text: string): Date {
  const [month, day, year] = text.replace(',', '').split(' ');
  return new Date(Date.UTC(Number(year), months.indexOf(month as string), Number(day)));
}

export function formatRecord(record: LabelledRecord): string {
  return `Date: ${formatRecordDate(record.date)} || User: ${record.user} || Instance: ${record.text}`;
}

/** Records and the label of each distinct text (a text's label follows from its template alone). */
export interface RecordSet {
  readonly records: readonly LabelledRecord[];
  readonly labelOf: ReadonlyMap<string, Label>;
  readonly text: string;
}

/**
 * Records until the text has `characters` characters: users Zipf-distributed over a pool that
 * grows with the size, dates in 2022–2025, labels drawn evenly.
 */
export function generateRecords(random: SeededRandom, characters: number): RecordSet {
  const averageLine = 85;
  const expected = Math.max(20, Math.round(characters / averageLine));
  const userCount = Math.max(12, Math.round(Math.sqrt(expected) * 3));
  const users = new Set<number>();
  while (users.size < userCount) users.add(random.integer(10000, 99999));
  const userList = [...users];
  const weights = userList.map((_, rank) => 1 / (rank + 1) ** 1.1);
  const start = Date.UTC(2022, 0, 1);
  const days = (Date.UTC(2025, 11, 31) - start) / 86_400_000;
  const records: LabelledRecord[] = [];
  const labelOf = new Map<string, Label>();
  const lines: string[] = [];
  let length = 0;
  while (length < characters) {
    const label = random.pick(LABELS);
    const text = random.pick(templates[label])(random);
    labelOf.set(text, label);
    const record: LabelledRecord = {
      date: new Date(start + random.integer(0, days) * 86_400_000),
      user: userList[random.weighted(weights)] as number,
      text,
      label,
    };
    const line = formatRecord(record);
    records.push(record);
    lines.push(line);
    length += line.length + 1;
  }
  return { records, labelOf, text: `${lines.join('\n')}\n` };
}

/** The whole records found in `text`, labelled as the generator labelled them. */
export function recordsInText(text: string, labelOf: ReadonlyMap<string, Label>): LabelledRecord[] {
  const line = /^Date: (\w{3} \d{2}, \d{4}) \|\| User: (\d{5}) \|\| Instance: (.+)$/gm;
  const found: LabelledRecord[] = [];
  for (const match of text.matchAll(line)) {
    const label = labelOf.get(match[3] as string);
    if (label === undefined) continue;
    found.push({
      date: parseRecordDate(match[1] as string),
      user: Number(match[2]),
      text: match[3] as string,
      label,
    });
  }
  return found;
}

/** How many records have each label. */
export function countLabels(records: readonly LabelledRecord[]): Map<Label, number> {
  const counts = new Map<Label, number>(LABELS.map((label) => [label, 0]));
  for (const record of records) counts.set(record.label, (counts.get(record.label) ?? 0) + 1);
  return counts;
}

/** How many records of `label` each user has. */
export function countByUser(records: readonly LabelledRecord[], label: Label): Map<number, number> {
  const counts = new Map<number, number>();
  for (const record of records) {
    if (record.label === label) counts.set(record.user, (counts.get(record.user) ?? 0) + 1);
  }
  return counts;
}

/** What the question tells the model about the records and labels (the labels are never in the data). */
export const RECORDS_PREAMBLE =
  'The context has one record per line: `Date: <date> || User: <user id> || Instance: <a question someone asked>`. ' +
  `Each record's question belongs to exactly one of these labels, which is not written anywhere and must be inferred from what the question asks: ${LABELS.map((label) => `'${label}'`).join(', ')}.`;

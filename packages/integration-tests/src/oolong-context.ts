/**
 * An OOLONG-like (trec_coarse) context generated locally: one line per item,
 * `Date: <Mon DD, YYYY> || User: <5-digit id> || Instance: <question>`, each question carrying a hidden
 * label out of six that never appears in the text. Users are Zipf-distributed, dates span 2022–2025.
 * Deterministic for a seed, so tests know the gold answers.
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

const TEMPLATES: Record<Label, readonly string[]> = {
  abbreviation: [
    'What does the acronym {W} stand for?',
    'What is {W} short for in {T} documents?',
    'Expand the abbreviation {W} as used by {T} teams.',
  ],
  'description and abstract concept': [
    'Why do people value {W} in {T}?',
    'What is the meaning of {W} for {T}?',
    'How would you explain {W} to a {T} student?',
  ],
  entity: [
    'Which instrument is tied to {W} in {T} music?',
    'What animal is the mascot of {W} {T}?',
    'Name the product {W} sold to {T} buyers.',
  ],
  'human being': [
    'Who founded the {W} group in {T}?',
    'Who wrote the {W} report about {T}?',
    'Which person led {W} during the {T} era?',
  ],
  location: [
    'Where is the {W} museum of {T} located?',
    'In which city did {W} open its {T} office?',
    'Where can one find the {W} {T} bridge?',
  ],
  'numeric value': [
    'How many {W} were sold in {T}?',
    'What year did {W} reach {T}?',
    'How far is {W} from {T} in miles?',
  ],
};
const WORDS = [
  'amber',
  'basalt',
  'cobalt',
  'delta',
  'ember',
  'fjord',
  'garnet',
  'harbor',
  'indigo',
  'juniper',
  'kelvin',
  'lumen',
  'mosaic',
  'nectar',
  'onyx',
  'prism',
  'quartz',
  'raven',
  'sierra',
  'tundra',
  'umber',
  'vertex',
  'willow',
  'xenon',
  'yarrow',
  'zephyr',
];
const TOPICS = [
  'Lisbon',
  'Osaka',
  'Quito',
  'Tallinn',
  'Accra',
  'Perth',
  'Bergen',
  'Cusco',
  'Hanoi',
  'Tunis',
  'Dakar',
  'Oslo',
  'Lima',
  'Riga',
  'Kyiv',
  'Turin',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Small, fast, seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface OolongContext {
  readonly text: string;
  readonly lines: number;
  /** The hidden label of each distinct question text. */
  readonly labelOf: ReadonlyMap<string, Label>;
  /** Gold count of items per label. */
  readonly counts: Readonly<Record<Label, number>>;
}

/** Generates about `targetCharacters` of context. */
export function generateOolongContext(targetCharacters: number, seed = 7): OolongContext {
  const next = random(seed);
  const users = Array.from({ length: 500 }, (_, index) => String(10_000 + ((index * 7919) % 90_000)));
  // Zipf weights for users: user k is picked with probability proportional to 1/(k+1).
  const weights = users.map((_, index) => 1 / (index + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const weight of weights) {
    running += weight / total;
    cumulative.push(running);
  }
  const pickUser = () => {
    const r = next();
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < r) low = middle + 1;
      else high = middle;
    }
    return users[low]!;
  };

  const labelOf = new Map<string, Label>();
  const counts = Object.fromEntries(LABELS.map((label) => [label, 0])) as Record<Label, number>;
  const parts: string[] = [];
  let size = 0;
  while (size < targetCharacters) {
    const label = LABELS[Math.floor(next() * LABELS.length)]!;
    const templates = TEMPLATES[label];
    const question = templates[Math.floor(next() * templates.length)]!.replace(
      '{W}',
      `${WORDS[Math.floor(next() * WORDS.length)]}-${WORDS[Math.floor(next() * WORDS.length)]}`,
    ).replace('{T}', TOPICS[Math.floor(next() * TOPICS.length)]!);
    labelOf.set(question, label);
    counts[label]++;
    const date = `${MONTHS[Math.floor(next() * 12)]} ${String(1 + Math.floor(next() * 28)).padStart(2, '0')}, ${2022 + Math.floor(next() * 4)}`;
    const line = `Date: ${date} || User: ${pickUser()} || Instance: ${question}`;
    parts.push(line);
    size += line.length + 1;
  }
  return { text: parts.join('\n'), lines: parts.length, labelOf, counts };
}

/** What a sub-model that "reads" a chunk would answer: label counts of its Instance lines, as JSON. */
export function classifyChunk(prompt: string, labelOf: ReadonlyMap<string, Label>): string {
  const counts: Partial<Record<Label, number>> = {};
  for (const match of prompt.matchAll(/Instance: (.*)$/gm)) {
    const label = labelOf.get(match[1]!);
    if (label) counts[label] = (counts[label] ?? 0) + 1;
  }
  return JSON.stringify(counts);
}

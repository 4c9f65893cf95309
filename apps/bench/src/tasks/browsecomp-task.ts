import { type BenchDocument, type BenchInstance, charactersFor } from './bench-instance';
import { fillerSentence } from './filler-text';
import { inventedWord, UniqueNames } from './invented-names';
import { SeededRandom } from './seeded-random';

/** One chain of facts: a landmark built by a firm, founded by a person, born in a town on a river. */
interface FactChain {
  readonly landmark: string;
  readonly firm: string;
  readonly founder: string;
  readonly town: string;
  readonly river: string;
}

/** About 800 tokens per document. */
const DOCUMENT_CHARACTERS = 3_200;

const facts = {
  builtBy: (landmark: string, firm: string) => `${landmark} was built by the firm ${firm}.`,
  foundedBy: (firm: string, founder: string) => `${firm} was founded by ${founder}.`,
  bornIn: (founder: string, town: string) => `${founder} was born in the town of ${town}.`,
  liesOn: (town: string, river: string) => `${town} lies on the river ${river}.`,
};

const factPatterns = {
  builtBy: /^(.+?) was built by the firm (.+?)\.$/,
  foundedBy: /^(.+?) was founded by (.+?)\.$/,
  bornIn: /^(.+?) was born in the town of (.+?)\.$/,
  liesOn: /^(.+?) lies on the river (.+?)\.$/,
};

/** A page about `title`: filler sentences with the one fact about it somewhere among them. */
function documentText(random: SeededRandom, title: string, kind: string, fact: string): string {
  const sentences: string[] = [];
  let length = 0;
  while (length < DOCUMENT_CHARACTERS) {
    const sentence = fillerSentence(random);
    sentences.push(sentence);
    length += sentence.length + 1;
  }
  sentences.splice(random.integer(0, sentences.length), 0, fact);
  const lines: string[] = [`Title: ${title} (${kind})`];
  for (let index = 0; index < sentences.length; index += 6)
    lines.push(sentences.slice(index, index + 6).join(' '));
  return lines.join('\n');
}

/**
 * The chain of facts stated in `text`, followed from `start` for `hops` facts. Any whole fact
 * sentence counts, in a whole document or not (a search hit, a cut page's first half).
 */
function followChain(text: string, start: string, hops: number): string {
  const relations = new Map<string, string>();
  for (const sentence of text.split(/(?<=\.)\s+|\n/)) {
    for (const pattern of Object.values(factPatterns)) {
      const match = pattern.exec(sentence.trim());
      if (match) relations.set(match[1] as string, match[2] as string);
    }
  }
  let current: string | undefined = start;
  for (let hop = 0; hop < hops && current !== undefined; hop += 1) current = relations.get(current);
  return current ?? 'unknown';
}

/**
 * A BrowseComp-Plus-like instance: N documents (N grows with the size, ~800 tokens each), each a
 * page about one landmark, firm, person or town, and a multi-hop question whose answer needs 2, 3
 * or 4 of them (by `index`). The other chains are distractors of the same shape.
 */
export function generateBrowseCompInstance(sizeTokens: number, index: number, seed: number): BenchInstance {
  const random = new SeededRandom(seed);
  const names = new UniqueNames(random);
  const documentCount = Math.max(8, Math.round(charactersFor(sizeTokens) / DOCUMENT_CHARACTERS));
  const chains: FactChain[] = [];
  const rivers = Array.from({ length: Math.max(4, Math.ceil(documentCount / 16)) }, () =>
    names.next((r) => inventedWord(r, 2)),
  );
  for (let count = 0; count < Math.ceil(documentCount / 4); count += 1) {
    chains.push({
      landmark: names.next(
        (r) =>
          `the ${inventedWord(r, 2)} ${r.pick(['Bridge', 'Tower', 'Library', 'Observatory', 'Lighthouse', 'Dam'])}`,
      ),
      firm: names.next(
        (r) => `${inventedWord(r, 2)} ${r.pick(['Works', 'Builders', 'and Sons', 'Engineering', 'Masonry'])}`,
      ),
      founder: names.next((r) => `${inventedWord(r, 2)} ${inventedWord(r, 3)}`),
      town: names.next((r) => `${inventedWord(r, 2)}${r.pick(['ford', 'wick', 'ham', 'stead', 'mouth'])}`),
      river: random.pick(rivers),
    });
  }
  const documents: { title: string; text: string }[] = [];
  for (const chain of chains) {
    const landmarkTitle = chain.landmark.replace(/^the /, 'The ');
    documents.push(
      {
        title: landmarkTitle,
        text: documentText(random, landmarkTitle, 'landmark', facts.builtBy(landmarkTitle, chain.firm)),
      },
      {
        title: chain.firm,
        text: documentText(random, chain.firm, 'company', facts.foundedBy(chain.firm, chain.founder)),
      },
      {
        title: chain.founder,
        text: documentText(random, chain.founder, 'person', facts.bornIn(chain.founder, chain.town)),
      },
      {
        title: chain.town,
        text: documentText(random, chain.town, 'town', facts.liesOn(chain.town, chain.river)),
      },
    );
  }
  const context: BenchDocument[] = random
    .shuffle(documents)
    .slice(0, Math.max(documentCount, 4))
    .map((document, position) => ({
      path: `doc-${String(position + 1).padStart(4, '0')}`,
      text: document.text,
    }));
  // The asked chain must be whole in the context: pick among chains whose four pages were kept.
  const kept = new Set(context.map((document) => document.text.slice(7, document.text.indexOf(' (', 7))));
  const whole = chains.filter((chain) =>
    [chain.landmark.replace(/^the /, 'The '), chain.firm, chain.founder, chain.town].every((title) =>
      kept.has(title),
    ),
  );
  const chain = random.pick(whole.length > 0 ? whole : chains);
  const documentsNeeded = 2 + (index % 3);
  const landmark = chain.landmark.replace(/^the /, 'The ');
  const start = documentsNeeded === 4 ? landmark : documentsNeeded === 3 ? chain.firm : chain.founder;
  const question =
    documentsNeeded === 4
      ? `On which river lies the town where the founder of the firm that built ${chain.landmark} was born?`
      : documentsNeeded === 3
        ? `On which river lies the town where the founder of ${chain.firm} was born?`
        : `On which river lies the town where ${chain.founder} was born?`;
  return {
    id: `browsecomp/${sizeTokens}/${index}`,
    family: 'browsecomp',
    sizeTokens,
    index,
    context,
    question: `The context is a list of ${context.length} documents. ${question} Answer with the river's name only.`,
    gold: { kind: 'exact', value: chain.river },
    answerFrom: (visible) => followChain(visible, start, documentsNeeded),
  };
}

/** The task families of the benchmark, after the paper's (arXiv 2512.24601, Table 1 and Figure 1). */
export const TASK_FAMILIES = ['oolong', 'oolong-pairs', 'sniah', 'browsecomp', 'codeqa'] as const;

export type TaskFamily = (typeof TASK_FAMILIES)[number];

/** One document of a context that is a list (BrowseComp-Plus-like pages, CodeQA files). */
export interface BenchDocument {
  readonly path: string;
  readonly text: string;
}

/** The correct answer and how an answer is scored against it. */
export type GoldAnswer =
  /** A count: scored 0.75^|gold − answer| (OOLONG's numeric scoring). */
  | { readonly kind: 'number'; readonly value: number }
  /** A text: scored 1 for the same text after normalising case, spaces and punctuation, else 0. */
  | { readonly kind: 'exact'; readonly value: string }
  /** A set of pairs of user ids (lower first): scored by F1 over the pairs (OOLONG-Pairs). */
  | { readonly kind: 'pairs'; readonly value: readonly (readonly [number, number])[] };

/** One generated question with its context and gold answer. */
export interface BenchInstance {
  /** `family/size/index`, unique in a run and stable across runs with the same seed. */
  readonly id: string;
  readonly family: TaskFamily;
  /** The size asked for, in tokens (4 characters each). */
  readonly sizeTokens: number;
  readonly index: number;
  /** A string, or a list of documents. */
  readonly context: string | readonly BenchDocument[];
  /** The question, with how to write the answer. */
  readonly question: string;
  readonly gold: GoldAnswer;
  /**
   * Answers the question from whatever of the context's text (`contextToText`) is in `text`, using
   * only that: complete records, documents and needles found there. The offline "windowed" model
   * answers with it, so that a model that saw only part of the context answers as if it had read
   * that part perfectly. On the whole text it gives the gold answer (tested).
   */
  readonly answerFrom: (text: string) => string;
}

/**
 * How a list of documents is shown to a model that reads text: each between a header and an end
 * line, so that a reader of a cut text can tell a whole document from a cut one.
 */
export function contextToText(context: string | readonly BenchDocument[]): string {
  if (typeof context === 'string') return context;
  return context
    .map((document) => `=== ${document.path} ===\n${document.text}\n=== end of ${document.path} ===\n`)
    .join('');
}

/** The documents of a text written by {@link contextToText} that are whole in it. */
export function documentsInText(text: string): BenchDocument[] {
  const whole = /^=== (.+) ===\n([\s\S]*?)\n=== end of \1 ===$/gm;
  return [...text.matchAll(whole)].map((match) => ({ path: match[1] as string, text: match[2] as string }));
}

/** The characters a context of `sizeTokens` tokens has (4 per token, core's estimate). */
export function charactersFor(sizeTokens: number): number {
  return sizeTokens * 4;
}

import type { IndexedNode, TextField } from './page-copy';

/** One place a search found its text. */
export interface SearchHit {
  id: number;
  kind: IndexedNode['kind'];
  field: TextField;
  /** Where it sits, e.g. `turn 2 › cell 1 › llm_query #14`. */
  where: string;
  /** The text around the match, the match itself between `before` and `after`. */
  before: string;
  match: string;
  after: string;
  /** Matches of this field. */
  count: number;
}

const FIELDS: Record<IndexedNode['kind'], readonly TextField[]> = {
  run: ['question', 'answer'],
  turn: ['response', 'finalAnswer'],
  cell: ['code', 'stdout', 'stderr'],
  call: ['prompt', 'response'],
};

/**
 * Case-insensitive search over every prompt, response, code, output and answer of the tree, in
 * reading order; at most `limit` hits (one per field that matches, with its count of matches).
 */
export function searchRun(
  index: Map<number, IndexedNode>,
  query: string,
  limit = 500,
): { hits: SearchHit[]; total: number } {
  const needle = query.toLowerCase();
  const hits: SearchHit[] = [];
  let total = 0;
  if (needle === '') return { hits, total };
  for (const [id, entry] of index) {
    for (const field of FIELDS[entry.kind]) {
      const value = (entry.node as unknown as Record<string, { text?: string } | undefined>)[field];
      const text = value?.text;
      if (!text) continue;
      const lower = text.toLowerCase();
      let at = lower.indexOf(needle);
      if (at === -1) continue;
      total++;
      if (hits.length >= limit) continue;
      let count = 0;
      for (let next = at; next !== -1 && count < 1000; next = lower.indexOf(needle, next + needle.length))
        count++;
      hits.push({
        id,
        kind: entry.kind,
        field,
        where: whereOf(entry),
        before: text.slice(Math.max(0, at - 60), at),
        match: text.slice(at, at + needle.length),
        after: text.slice(at + needle.length, at + needle.length + 100),
        count,
      });
      at = -1;
    }
  }
  return { hits, total };
}

/** A node's place in words. */
export function whereOf(entry: IndexedNode): string {
  const depth = (entry.kind === 'run' ? entry.node : entry.run).depth;
  const prefix = depth > 0 ? `child run (depth ${depth}) › ` : '';
  switch (entry.kind) {
    case 'run':
      return depth > 0 ? `child run (depth ${depth})` : 'the run';
    case 'turn':
      return `${prefix}turn ${entry.node.turn}`;
    case 'cell':
      return `${prefix}turn ${entry.turn.turn} › cell ${entry.node.index + 1}`;
    case 'call':
      return `${prefix}turn ${entry.turn.turn} › cell ${entry.cell.index + 1} › ${entry.node.kind === 'rlm' ? 'rlm_query' : 'llm_query'} #${entry.cell.calls.indexOf(entry.node) + 1}`;
  }
}

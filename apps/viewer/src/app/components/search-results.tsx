import type { SearchHit } from '../../model/search-run';
import { VirtualList } from './virtual-list';

const FIELD_WORDS: Record<string, string> = {
  question: 'question',
  answer: 'answer',
  response: 'response',
  finalAnswer: 'final answer',
  code: 'code',
  stdout: 'output',
  stderr: 'stderr',
  prompt: 'prompt',
};

/** Search hits, one per matching text, each a deep link to its node. */
export function SearchResults(props: {
  query: string;
  hits: SearchHit[];
  total: number;
  searching: boolean;
  linkFor: (id: number) => string;
}) {
  const { query, hits, total, searching, linkFor } = props;
  return (
    <div class="search-results">
      <p class="muted pad-x" data-testid="search-count">
        {searching
          ? `Searching for “${query}”…`
          : `${total} text${total === 1 ? '' : 's'} match “${query}”${total > hits.length ? ` (the first ${hits.length} shown)` : ''}`}
      </p>
      <VirtualList
        className="hits"
        label="Search results"
        count={hits.length}
        rowHeight={52}
        renderRow={(index) => {
          const hit = hits[index] as SearchHit;
          return (
            <a class="hit" href={linkFor(hit.id)} data-testid="search-hit">
              <span class="hit-where">
                {hit.where} · {FIELD_WORDS[hit.field] ?? hit.field}
                {hit.count > 1 ? ` · ${hit.count} matches` : ''}
              </span>
              <span class="hit-text">
                {hit.before}
                <mark>{hit.match}</mark>
                {hit.after}
              </span>
            </a>
          );
        }}
      />
    </div>
  );
}

import type { ViewCall, ViewRun } from '../../model/run-model';
import { firstLine, formatCost, formatCount, formatDuration } from '../format';
import { VirtualList } from './virtual-list';

/** One row of the flattened tree. */
export interface TreeRow {
  id: number;
  level: number;
  kind: 'turn' | 'cell' | 'call';
  label: string;
  detail: string;
  stats: string;
  hasChildren: boolean;
  bad: boolean;
  badge?: string;
}

/**
 * The tree as rows, in reading order: each turn, its cells, each cell's sub-calls, and under an
 * `rlm_query` its child run's turns, one level deeper. Nodes in `collapsed` hide what is under them.
 */
export function flattenTree(root: ViewRun, collapsed: ReadonlySet<number>): TreeRow[] {
  const rows: TreeRow[] = [];
  const visitRun = (run: ViewRun, level: number) => {
    for (const turn of run.turns) {
      rows.push({
        id: turn.id,
        level,
        kind: 'turn',
        label: `${run.depth > 0 ? `depth ${run.depth} · ` : ''}turn ${turn.turn}`,
        detail: firstLine(
          turn.response.text.replace(/```[\s\S]*?(```|$)/g, ' ').trim() || turn.response.text,
        ),
        stats: `${formatDuration(turn.durationMs ?? turn.modelDurationMs)} · ${formatCount(turn.usage.input)}→${formatCount(turn.usage.output)} tok`,
        hasChildren: turn.cells.length > 0,
        bad: false,
        ...(turn.finalAnswer ? { badge: 'FINAL' } : {}),
      });
      if (collapsed.has(turn.id)) continue;
      for (const cell of turn.cells) {
        rows.push({
          id: cell.id,
          level: level + 1,
          kind: 'cell',
          label: `cell ${turn.turn}.${cell.index + 1}`,
          detail: firstLine(cell.code.text),
          stats: `${formatDuration(cell.durationMs)}${cell.calls.length ? ` · ${formatCount(cell.calls.length)} calls` : ''}`,
          hasChildren: cell.calls.length > 0,
          bad: cell.error !== undefined || cell.stateLost !== undefined,
          ...(cell.error
            ? { badge: cell.error.kind ?? 'error' }
            : cell.stateLost
              ? { badge: 'state lost' }
              : cell.final
                ? { badge: cell.final.source }
                : {}),
        });
        if (collapsed.has(cell.id)) continue;
        cell.calls.forEach((call, index) => {
          rows.push(callRow(call, index, level + 2));
          if (call.child && !collapsed.has(call.id)) visitRun(call.child, level + 3);
        });
      }
    }
  };
  visitRun(root, 0);
  return rows;
}

function callRow(call: ViewCall, index: number, level: number): TreeRow {
  const tokens = call.usage
    ? ` · ${formatCount(call.usage.input)}→${formatCount(call.usage.output)} tok`
    : '';
  const cost = call.costUsd !== undefined ? ` · ${formatCost(call.costUsd)}` : '';
  return {
    id: call.id,
    level,
    kind: 'call',
    label: `${call.kind === 'rlm' ? 'rlm_query' : 'llm_query'} #${index + 1}`,
    detail: firstLine(call.prompt.text),
    stats: `${formatDuration(call.durationMs)}${tokens}${cost}`,
    hasChildren: call.child !== undefined && call.child.turns.length > 0,
    bad: call.error !== undefined,
    ...(call.error
      ? { badge: call.outcome && call.outcome !== 'failed' ? call.outcome : 'failed' }
      : call.outcome === 'running'
        ? { badge: 'running' }
        : call.servedFrom
          ? { badge: call.servedFrom }
          : call.child
            ? { badge: 'child RLM' }
            : {}),
  };
}

interface CallTreeProps {
  rows: TreeRow[];
  selected: number | undefined;
  onToggle: (id: number) => void;
}

export const TREE_ROW_HEIGHT = 28;

/** The call tree as a virtualised list; a row links to itself (`#call-12`), and opens in the side pane. */
export function CallTree({ rows, selected, onToggle }: CallTreeProps) {
  const selectedIndex = selected === undefined ? -1 : rows.findIndex((row) => row.id === selected);
  return (
    <VirtualList
      className="tree"
      label="Call tree"
      count={rows.length}
      rowHeight={TREE_ROW_HEIGHT}
      scrollTo={selectedIndex}
      renderRow={(index) => {
        const row = rows[index] as TreeRow;
        return (
          <div
            class={`tree-row kind-${row.kind} ${row.bad ? 'bad-row' : ''} ${row.id === selected ? 'selected' : ''}`}
            style={{ paddingLeft: `${8 + row.level * 18}px` }}
            data-testid="tree-row"
          >
            <button
              type="button"
              class="toggle"
              aria-label={row.hasChildren ? 'expand or collapse' : undefined}
              disabled={!row.hasChildren}
              onClick={() => onToggle(row.id)}
            >
              {row.hasChildren ? '▾' : ''}
            </button>
            <a class="row-link" href={`#tree/${row.kind}-${row.id}`}>
              <span class="row-label">{row.label}</span>
              <span class="row-detail">{row.detail}</span>
            </a>
            {row.badge && <span class={`badge ${row.bad ? 'bad-badge' : 'soft-badge'}`}>{row.badge}</span>}
            <span class="row-stats">{row.stats}</span>
          </div>
        );
      }}
    />
  );
}

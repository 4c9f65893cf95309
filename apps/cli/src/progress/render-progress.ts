import { fitToWidth, formatCached, formatCost, formatDuration, formatTokens } from './format-numbers';
import { type ProgressState, type RunProgress, subCallPhases } from './progress-state';

/** Lines of code shown under the root's running cell (children's show one). */
const ROOT_CODE_LINES = 3;
/** Runs shown in the tree; the rest are counted. */
const MAX_RUNS_SHOWN = 6;

/**
 * The live progress block: a header with elapsed time, tokens, cost and sub-calls against the
 * budget, then the run tree (the root, then running child RLMs indented under their parent), each
 * with its turn, what it is doing and its sub-calls, and the first lines of the root's running code
 * cell. A pure function of the state, the terminal width and the clock, so tests check it exactly.
 * Every line fits in `width - 1` columns, so the terminal never wraps and in-place redraws stay exact.
 */
export function renderProgress(state: ProgressState, width: number, now: number): string[] {
  const columns = Math.max(20, width - 1);
  const { budget } = state;
  const against = (value: string, limit: string | undefined) =>
    limit === undefined ? value : `${value}/${limit}`;
  const header = [
    `rlm ${against(formatDuration(now - state.startedAt), budget.timeoutMs === undefined ? undefined : formatDuration(budget.timeoutMs))}`,
    `tokens ${formatTokens(state.inputTokens)} in, ${formatTokens(state.outputTokens)} out${budget.maxTokens === undefined ? '' : ` (max ${formatTokens(budget.maxTokens)})`}`,
    state.modelCalls > 0 && state.callsWithUnknownCost === state.modelCalls
      ? 'cost unknown'
      : `${against(formatCost(state.costUsd), budget.maxCostUsd === undefined ? undefined : formatCost(budget.maxCostUsd))}${state.callsWithUnknownCost > 0 ? '+?' : ''}`,
    `sub-calls ${against(String(state.subCalls), budget.maxSubCalls === undefined ? undefined : String(budget.maxSubCalls))}${state.subCallsFailed > 0 ? ` (${state.subCallsFailed} failed)` : ''}`,
  ];
  if (state.cachedCalls > 0) header.push(formatCached(state.cachedCalls, state.cachedCostUsd));
  const windows = describeWindows(state, now);
  if (windows !== undefined) header.push(windows);
  if (state.stopping) header.push('stopping… (Ctrl-C again to quit now)');
  const lines = [header.join(' · ')];

  const root = state.rootRunId === undefined ? undefined : state.runs.get(state.rootRunId);
  if (!root) {
    lines.push('  starting…');
    return lines.map((line) => fitToWidth(line, columns));
  }
  let shown = 0;
  let hidden = 0;
  const visit = (run: RunProgress, level: number) => {
    if (shown >= MAX_RUNS_SHOWN) {
      hidden += 1;
      return;
    }
    shown += 1;
    lines.push(
      `${level === 0 ? '' : `${'  '.repeat(level - 1)}└ `}${describeRun(run, state, now, level === 0)}`,
    );
    if (run.cell) {
      const codeLines = run.cell.code
        .split('\n')
        .filter((line) => line.trim() !== '')
        .slice(0, level === 0 ? ROOT_CODE_LINES : 1);
      for (const code of codeLines) lines.push(`${'  '.repeat(level)}│ ${code}`);
    }
    for (const childId of run.children) {
      const child = state.runs.get(childId);
      if (child?.status === 'running') visit(child, level + 1);
    }
  };
  visit(root, 0);
  if (hidden > 0) lines.push(`  … ${hidden} more child run${hidden === 1 ? '' : 's'} running`);
  return lines.map((line) => fitToWidth(line, columns));
}

function describeRun(run: RunProgress, state: ProgressState, now: number, isRoot: boolean): string {
  const parts = [`${isRoot ? 'root' : 'child'} depth ${run.depth}`];
  if (run.turn > 0) parts.push(`turn ${run.turn}/${run.maxTurns}`);
  if (run.status !== 'running') parts.push(run.status);
  else if (run.cell)
    parts.push(
      `running cell ${run.cell.turn}.${run.cell.index + 1} (${formatDuration(now - run.cell.startedAt)})`,
    );
  else if (run.modelCall)
    parts.push(`waiting for ${run.modelCall.model} (${formatDuration(now - run.modelCall.startedAt)})`);
  else parts.push('starting');
  const { running, queued } = subCallPhases(run, state);
  const subCalls = [
    running > 0 ? `${running} running` : '',
    queued > 0 ? `${queued} queued` : '',
    run.subCallsDone > 0 ? `${run.subCallsDone} done` : '',
    run.subCallsFailed > 0 ? `${run.subCallsFailed} failed` : '',
    run.subCallsCancelled > 0 ? `${run.subCallsCancelled} cancelled` : '',
  ].filter(Boolean);
  if (subCalls.length > 0) parts.push(`sub-calls ${subCalls.join(', ')}`);
  const finishedChildren = run.children.filter((id) => state.runs.get(id)?.status !== 'running').length;
  if (finishedChildren > 0)
    parts.push(`${finishedChildren} child run${finishedChildren === 1 ? '' : 's'} finished`);
  return parts.join(' · ');
}

/**
 * The concurrency windows of the models sub-calls went to: `concurrency 32/64` (adaptive, of its
 * cap), `concurrency 8 fixed`, with `waiting out Retry-After` while the server asked to wait; one per
 * model, named, when there are several.
 */
function describeWindows(state: ProgressState, now: number): string | undefined {
  const shown = [...state.windows].filter(([model]) => state.subCallModels.has(model));
  if (shown.length === 0) return undefined;
  const several = shown.length > 1;
  const parts = shown.map(([model, window]) => {
    const size = window.adaptive ? `${window.window}/${window.maxWindow}` : `${window.window} fixed`;
    const paused =
      window.pausedUntil !== undefined && window.pausedUntil > now ? ' waiting out Retry-After' : '';
    return `${several ? `${model} ` : ''}${size}${paused}`;
  });
  return `concurrency ${parts.join(', ')}`;
}

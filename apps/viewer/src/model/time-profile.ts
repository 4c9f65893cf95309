import type { RunModel, ViewRun } from './run-model';

/** One step of the in-flight chart: from `at` on (ms since the run started), `count` sub-calls ran. */
export interface ConcurrencyStep {
  at: number;
  count: number;
}

/** Where the root run's wall time went, in milliseconds. */
export interface TimeBreakdown {
  /** Root-model calls (the turns' replies). */
  model: number;
  /** Cells running their own code: wall time of cells minus the time they had sub-calls in flight. */
  sandbox: number;
  /** Cells waiting for sub-calls (and child runs). */
  subCalls: number;
  /** The rest: the loop between calls, prompts being built, the closing fallback call. */
  other: number;
  total: number;
}

export interface TimeProfile {
  /** Steps of the chart, in time order, starting at 0. */
  steps: ConcurrencyStep[];
  peak: number;
  /** Length of the chart, ms. */
  spanMs: number;
  /** The root turns as bands: start and end, ms since the run started. */
  turns: { turn: number; start: number; modelEnd: number; end: number }[];
  breakdown: TimeBreakdown;
  /** Sub-calls whose start was estimated (files that did not record it). */
  estimatedStarts: number;
  /** Sub-calls with a start and a duration (drawn). */
  timed: number;
}

/**
 * The concurrency chart and the time breakdown of a run: sub-calls of the whole tree in flight per
 * moment (from each call's start and duration), and the root run's wall time split into model,
 * sandbox, waiting for sub-calls and the rest.
 */
export function timeProfile(model: RunModel): TimeProfile {
  const root = model.root;
  const origin = root.startedAt ?? root.turns[0]?.startedAt ?? 0;
  const edges: { at: number; delta: number }[] = [];
  let estimatedStarts = 0;
  let timed = 0;
  let lastEnd = 0;
  const visit = (run: ViewRun) => {
    for (const turn of run.turns)
      for (const cell of turn.cells)
        for (const call of cell.calls) {
          if (call.startedAt !== undefined && call.durationMs !== undefined) {
            const start = call.startedAt - origin;
            const end = start + call.durationMs;
            edges.push({ at: start, delta: 1 }, { at: end, delta: -1 });
            lastEnd = Math.max(lastEnd, end);
            timed++;
            if (!call.startKnown) estimatedStarts++;
          }
          if (call.child) visit(call.child);
        }
  };
  visit(root);
  // Ends before starts at the same instant: a call that ends as another starts is not overlap.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const steps: ConcurrencyStep[] = [{ at: 0, count: 0 }];
  let count = 0;
  let peak = 0;
  for (const edge of edges) {
    count += edge.delta;
    peak = Math.max(peak, count);
    const last = steps[steps.length - 1] as ConcurrencyStep;
    if (last.at === edge.at) last.count = count;
    else steps.push({ at: edge.at, count });
  }

  const turns = root.turns.map((turn) => {
    const start = (turn.startedAt ?? origin) - origin;
    const modelEnd = start + (turn.modelDurationMs ?? 0);
    const end = start + (turn.durationMs ?? turn.modelDurationMs ?? 0);
    lastEnd = Math.max(lastEnd, end);
    return { turn: turn.turn, start, modelEnd, end };
  });

  let modelTime = 0;
  let sandbox = 0;
  let waiting = 0;
  for (const turn of root.turns) {
    modelTime += turn.modelDurationMs ?? 0;
    for (const cell of turn.cells) {
      const cellTime = cell.durationMs ?? 0;
      const busy = Math.min(cellTime, unionLength(cell.calls.flatMap((call) => callInterval(call))));
      waiting += busy;
      sandbox += cellTime - busy;
    }
  }
  const total = root.durationMs ?? Math.max(lastEnd, modelTime + sandbox + waiting);
  return {
    steps,
    peak,
    spanMs: Math.max(total, lastEnd, 1),
    turns,
    breakdown: {
      model: modelTime,
      sandbox,
      subCalls: waiting,
      other: Math.max(0, total - modelTime - sandbox - waiting),
      total,
    },
    estimatedStarts,
    timed,
  };
}

function callInterval(call: { startedAt?: number; durationMs?: number }): [number, number][] {
  return call.startedAt !== undefined && call.durationMs !== undefined
    ? [[call.startedAt, call.startedAt + call.durationMs]]
    : [];
}

/** Total length covered by intervals (overlaps counted once). */
function unionLength(intervals: [number, number][]): number {
  if (intervals.length === 0) return 0;
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [start, end] = intervals[0] as [number, number];
  for (const [from, to] of intervals.slice(1)) {
    if (from > end) {
      total += end - start;
      start = from;
      end = to;
    } else end = Math.max(end, to);
  }
  return total + (end - start);
}

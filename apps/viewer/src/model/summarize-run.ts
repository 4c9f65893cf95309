import { emptyUsage, type RunModel, type ViewRun, type ViewUsage } from './run-model';

/**
 * Adds the whole tree's counts to a model. Usage and cost are the run's own totals when its file
 * recorded them (they include every child and every call); otherwise (a reference log, a cut-off
 * file, a live run) they are added up from the turns and calls read.
 */
export function summarizeRun(model: Omit<RunModel, 'totals'>): RunModel {
  const counted = { turns: model.root.turns.length, cells: 0, subCalls: 0, failedSubCalls: 0, childRuns: 0 };
  const usage = emptyUsage();
  let cost = 0;
  let costKnown = false;
  let unknownCost = 0;
  const add = (from: ViewUsage | undefined, costUsd: number | undefined) => {
    if (!from) return;
    usage.input += from.input;
    usage.output += from.output;
    usage.cached += from.cached;
    if (costUsd === undefined) unknownCost++;
    else {
      cost += costUsd;
      costKnown = true;
    }
  };
  const visit = (run: ViewRun) => {
    for (const turn of run.turns) {
      add(turn.usage, turn.costUsd);
      for (const cell of turn.cells) {
        counted.cells++;
        for (const call of cell.calls) {
          counted.subCalls++;
          if (call.error) counted.failedSubCalls++;
          if (call.child) {
            counted.childRuns++;
            visit(call.child);
          } else add(call.usage, call.costUsd);
        }
      }
    }
  };
  visit(model.root);
  const recorded = model.root.usage.input + model.root.usage.output > 0;
  return {
    ...model,
    totals: {
      ...counted,
      usage: recorded ? model.root.usage : usage,
      ...(recorded && model.root.costUsd !== undefined
        ? { costUsd: model.root.costUsd }
        : costKnown
          ? { costUsd: cost }
          : {}),
      unknownCost:
        recorded && model.root.unpricedCalls !== undefined ? model.root.unpricedCalls : unknownCost,
    },
  };
}

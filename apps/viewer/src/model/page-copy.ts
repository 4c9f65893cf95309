import {
  cutText,
  type RunModel,
  type ViewCall,
  type ViewCell,
  type ViewRun,
  type ViewTurn,
} from './run-model';

/**
 * How many characters of each kind of text the page holds; the worker keeps every text whole and
 * hands it over when one is opened. This is what keeps a 100 MB file from living twice in the tab:
 * a sub-call's prompt may be megabytes, and ten thousand of them are drawn from 300 characters each.
 */
export const PAGE_TEXT_LIMITS = {
  question: 4_000,
  answer: 20_000,
  response: 20_000,
  code: 20_000,
  output: 20_000,
  call: 300,
} as const;

/** A copy of the model with every long text cut to its page limit (the tree is new; the model is untouched). */
export function pageCopy(model: RunModel): RunModel {
  return { ...model, warnings: [...model.warnings], root: runCopy(model.root) };
}

function runCopy(run: ViewRun): ViewRun {
  return {
    ...run,
    question: cutText(run.question, PAGE_TEXT_LIMITS.question),
    ...(run.answer ? { answer: cutText(run.answer, PAGE_TEXT_LIMITS.answer) } : {}),
    turns: run.turns.map(turnCopy),
  };
}

function turnCopy(turn: ViewTurn): ViewTurn {
  return {
    ...turn,
    response: cutText(turn.response, PAGE_TEXT_LIMITS.response),
    ...(turn.finalAnswer ? { finalAnswer: cutText(turn.finalAnswer, PAGE_TEXT_LIMITS.answer) } : {}),
    cells: turn.cells.map(cellCopy),
  };
}

function cellCopy(cell: ViewCell): ViewCell {
  return {
    ...cell,
    code: cutText(cell.code, PAGE_TEXT_LIMITS.code),
    stdout: cutText(cell.stdout, PAGE_TEXT_LIMITS.output),
    stderr: cutText(cell.stderr, PAGE_TEXT_LIMITS.output),
    ...(cell.final
      ? { final: { ...cell.final, value: cutText(cell.final.value, PAGE_TEXT_LIMITS.answer) } }
      : {}),
    calls: cell.calls.map(callCopy),
  };
}

function callCopy(call: ViewCall): ViewCall {
  return {
    ...call,
    prompt: cutText(call.prompt, PAGE_TEXT_LIMITS.call),
    ...(call.response ? { response: cutText(call.response, PAGE_TEXT_LIMITS.call) } : {}),
    ...(call.child ? { child: runCopy(call.child) } : {}),
  };
}

/** The texts of a node a search looks at and the page may ask for whole, by field name. */
export type TextField =
  | 'question'
  | 'answer'
  | 'response'
  | 'finalAnswer'
  | 'code'
  | 'stdout'
  | 'stderr'
  | 'prompt';

/** Every node of the tree by id, with its kind: what deep links, search and text requests resolve. */
export type IndexedNode =
  | { kind: 'run'; node: ViewRun }
  | { kind: 'turn'; node: ViewTurn; run: ViewRun }
  | { kind: 'cell'; node: ViewCell; turn: ViewTurn; run: ViewRun }
  | { kind: 'call'; node: ViewCall; cell: ViewCell; turn: ViewTurn; run: ViewRun };

export function indexNodes(root: ViewRun): Map<number, IndexedNode> {
  const index = new Map<number, IndexedNode>();
  const visit = (run: ViewRun) => {
    index.set(run.id, { kind: 'run', node: run });
    for (const turn of run.turns) {
      index.set(turn.id, { kind: 'turn', node: turn, run });
      for (const cell of turn.cells) {
        index.set(cell.id, { kind: 'cell', node: cell, turn, run });
        for (const call of cell.calls) {
          index.set(call.id, { kind: 'call', node: call, cell, turn, run });
          if (call.child) visit(call.child);
        }
      }
    }
  };
  visit(root);
  return index;
}

/** The whole text of a node's field, as the worker holds it. */
export function textOf(entry: IndexedNode | undefined, field: TextField): string | undefined {
  if (!entry) return undefined;
  const node = entry.node as unknown as Record<string, unknown>;
  if (entry.kind === 'cell' && field === 'answer')
    return (entry.node.final?.value.text as string) ?? undefined;
  const value = node[field] as { text: string } | undefined;
  return value?.text;
}

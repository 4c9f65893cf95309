/*
 * The one shape every view reads, whatever the run came from: a trajectory of ours, a log of the
 * reference library (alexzhang13/rlm), or the events of a run in progress. Plain JSON, so the worker
 * that builds it can post it to the page. Ids are numbers given in reading order, so the same file
 * gives the same ids and a deep link (`#call-123`) points at the same call after a reload.
 */

/** Tokens of one call or of a whole run. */
export interface ViewUsage {
  input: number;
  output: number;
  cached: number;
}

/** A text the page holds only the start of; the worker keeps it whole (see `TextRef`). */
export interface ViewText {
  /** The text, or its first characters when `length` is larger. */
  text: string;
  /** Characters of the whole text. */
  length: number;
}

/** Where the run came from. */
export type RunSource = 'rlm' | 'reference' | 'live';

/** How the run ended, as the summary says it. */
export type RunStatus = 'answered' | 'partial' | 'failed' | 'running' | 'unfinished';

export interface ViewRun {
  id: number;
  depth: number;
  question: ViewText;
  answer?: ViewText;
  status: RunStatus;
  /** Why it failed, or why it is unfinished (a truncated file). */
  reason?: string;
  rootModel?: string;
  subModel?: string;
  environment?: string;
  maxTurns?: number;
  maxDepth?: number;
  /** Epoch milliseconds the run started, when known. */
  startedAt?: number;
  durationMs?: number;
  usage: ViewUsage;
  costUsd?: number;
  /** Calls the file says had no known price (so `costUsd` undercounts by them). */
  unpricedCalls?: number;
  /** Sub-calls of this run and its children that failed, and all they made. */
  failedSubCalls?: { failed: number; total: number };
  turns: ViewTurn[];
}

export interface ViewTurn {
  id: number;
  turn: number;
  startedAt?: number;
  response: ViewText;
  modelDurationMs?: number;
  durationMs?: number;
  usage: ViewUsage;
  costUsd?: number;
  finishReason?: string;
  servedFrom?: string;
  finalAnswer?: ViewText;
  cells: ViewCell[];
}

export interface ViewVariable {
  name: string;
  type?: string;
  preview: string;
}

export interface ViewCell {
  id: number;
  /** 0-based block index within the turn. */
  index: number;
  code: ViewText;
  /** Absent when the block never ran (an earlier block called FINAL). */
  ran: boolean;
  stdout: ViewText;
  stderr: ViewText;
  value?: string;
  error?: { kind?: string; name: string; message: string; line?: number };
  stateLost?: string;
  final?: { source: string; value: ViewText };
  durationMs?: number;
  /** Epoch ms; estimated (turn start + model time + earlier cells) when the file does not say. */
  startedAt?: number;
  droppedOutputChars?: number;
  variables: ViewVariable[];
  calls: ViewCall[];
}

export interface ViewCall {
  id: number;
  kind: 'llm' | 'rlm';
  model: string;
  prompt: ViewText;
  response?: ViewText;
  error?: { name: string; message: string };
  /** `'answered'`, `'failed'`, … for live runs; derived from `error` for files. */
  outcome?: string;
  usage?: ViewUsage;
  costUsd?: number;
  durationMs?: number;
  /** Epoch ms; the cell's start when the file does not say (all of a cell's calls start together). */
  startedAt?: number;
  /** Whether `startedAt` was recorded, not estimated. */
  startKnown: boolean;
  servedFrom?: string;
  child?: ViewRun;
}

/** The whole view: the root run and how reading went. */
export interface RunModel {
  source: RunSource;
  fileName?: string;
  root: ViewRun;
  /** Lines read (files) or events received (live). */
  records: number;
  /** Problems met while reading that did not stop it (a cut-off last line, unknown lines). */
  warnings: string[];
  /** Counts over the whole tree, for the summary. */
  totals: {
    turns: number;
    cells: number;
    subCalls: number;
    failedSubCalls: number;
    childRuns: number;
    usage: ViewUsage;
    costUsd?: number;
    /** Calls whose cost is unknown (no price). */
    unknownCost: number;
  };
}

export const emptyUsage = (): ViewUsage => ({ input: 0, output: 0, cached: 0 });

/** A new text: kept whole (the worker's copy), the page gets a cut one through `cutText`. */
export function viewText(text: string): ViewText {
  return { text, length: text.length };
}

/** `text` with at most `max` characters kept, its full length remembered. */
export function cutText(text: ViewText, max: number): ViewText {
  return text.text.length <= max ? text : { text: text.text.slice(0, max), length: text.length };
}

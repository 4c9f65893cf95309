import type { RLMEvent } from '@rlm/core';

/** What one run (the root or a child RLM) is doing. */
export interface RunProgress {
  readonly runId: string;
  readonly parentRunId?: string;
  readonly depth: number;
  turn: number;
  maxTurns: number;
  /** The code block running now, if any. */
  cell?: { readonly turn: number; readonly index: number; readonly code: string; readonly startedAt: number };
  /** The root-model call in flight, if any. */
  modelCall?: { readonly model: string; readonly startedAt: number };
  /** Sub-calls started and not yet ended: queued for a slot, or in flight. */
  subCallsOpen: number;
  /** Of those, plain model calls in flight now (the rest wait for a slot, or are child runs). */
  subModelCallsInFlight: number;
  subCallsDone: number;
  subCallsFailed: number;
  /** Sub-calls stopped because the whole run stopped (a limit, Ctrl-C). */
  subCallsCancelled: number;
  /** Sub-calls of the running cell that answered and that failed (for the cell's log line). */
  cellSubCalls: { done: number; failed: number };
  /** Failure reasons already logged for this run: each is printed once, then only counted. */
  readonly loggedReasons: Set<string>;
  status: 'running' | 'answered' | 'failed';
  /** Child runs, in start order. */
  readonly children: string[];
}

/** A model's concurrency window, from its last `concurrency-change` event. */
export interface WindowProgress {
  readonly window: number;
  readonly maxWindow: number;
  readonly adaptive: boolean;
  /** `Date.now()` until which the model waits out a server's `Retry-After`, if it does. */
  readonly pausedUntil?: number;
}

/** The budget the progress display measures against (unset limits are not shown). */
export interface ProgressBudget {
  readonly maxCostUsd?: number;
  readonly maxTokens?: number;
  readonly maxSubCalls?: number;
  readonly timeoutMs?: number;
}

/** Everything the progress display shows, built from events only. */
export interface ProgressState {
  readonly startedAt: number;
  readonly budget: ProgressBudget;
  rootRunId?: string;
  readonly runs: Map<string, RunProgress>;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Model calls whose price is unknown: the cost shown undercounts. */
  callsWithUnknownCost: number;
  modelCalls: number;
  /** Sub-calls started, across the tree. */
  subCalls: number;
  /** Sub-calls that failed (refused, or failed after retries), across the tree. */
  subCallsFailed: number;
  /** Sub-calls cancelled because the run stopped, across the tree. */
  subCallsCancelled: number;
  /** Sub-calls dropped by the cell that made them (it ended without awaiting them). */
  subCallsAbandoned: number;
  /** Model calls the sub-call cache answered: nothing sent, nothing spent (not in the counts above). */
  cachedCalls: number;
  /** What those calls cost when first made: the saving. */
  cachedCostUsd: number;
  /** Each model's concurrency window, by `provider:modelId`. */
  readonly windows: Map<string, WindowProgress>;
  /** The models sub-calls went to (the windows worth showing: a root model calls one at a time). */
  readonly subCallModels: Set<string>;
  /** Set once the user asked to stop. */
  stopping: boolean;
}

/** A fresh state for a run that starts now. */
export function createProgressState(startedAt: number, budget: ProgressBudget = {}): ProgressState {
  return {
    startedAt,
    budget,
    runs: new Map(),
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    callsWithUnknownCost: 0,
    modelCalls: 0,
    subCalls: 0,
    subCallsFailed: 0,
    subCallsCancelled: 0,
    subCallsAbandoned: 0,
    cachedCalls: 0,
    cachedCostUsd: 0,
    windows: new Map(),
    subCallModels: new Set(),
    stopping: false,
  };
}

/**
 * Folds one event into the state (in place, since events arrive by the thousand). Tokens and cost
 * come from `model-call-end` only (`sub-call-end` carries no usage).
 */
export function applyProgressEvent(state: ProgressState, event: RLMEvent): void {
  const run = state.runs.get(event.runId);
  switch (event.type) {
    case 'run-start': {
      state.runs.set(event.runId, {
        runId: event.runId,
        ...(event.parentRunId ? { parentRunId: event.parentRunId } : {}),
        depth: event.depth,
        turn: 0,
        maxTurns: 0,
        subCallsOpen: 0,
        subModelCallsInFlight: 0,
        subCallsDone: 0,
        subCallsFailed: 0,
        subCallsCancelled: 0,
        cellSubCalls: { done: 0, failed: 0 },
        loggedReasons: new Set(),
        status: 'running',
        children: [],
      });
      if (event.parentRunId) state.runs.get(event.parentRunId)?.children.push(event.runId);
      else state.rootRunId ??= event.runId;
      return;
    }
    case 'turn-start':
      if (run) {
        run.turn = event.turn;
        run.maxTurns = event.maxTurns;
      }
      return;
    case 'model-call-start':
      if (run && event.role !== 'sub') run.modelCall = { model: event.model, startedAt: event.timestamp };
      if (run && event.role === 'sub') run.subModelCallsInFlight += 1;
      return;
    case 'model-call-end':
      if (run && event.role !== 'sub') delete run.modelCall;
      if (run && event.role === 'sub') run.subModelCallsInFlight = Math.max(0, run.subModelCallsInFlight - 1);
      // A cache hit sent nothing and spent nothing: its usage is what the call cost the first time.
      if (event.servedFrom === 'cache') {
        state.cachedCalls += 1;
        state.cachedCostUsd += event.costUsd ?? 0;
        return;
      }
      state.modelCalls += 1;
      if (event.usage) {
        state.inputTokens += event.usage.inputTokens;
        state.outputTokens += event.usage.outputTokens;
      }
      if (event.costUsd === undefined) {
        if (event.usage) state.callsWithUnknownCost += 1;
      } else state.costUsd += event.costUsd;
      return;
    case 'cell-start':
      if (run) {
        run.cell = { turn: event.turn, index: event.index, code: event.code, startedAt: event.timestamp };
        run.cellSubCalls = { done: 0, failed: 0 };
      }
      return;
    case 'cell-end':
      if (run) delete run.cell;
      return;
    case 'sub-call-start':
      state.subCalls += 1;
      state.subCallModels.add(event.model);
      if (run) run.subCallsOpen += 1;
      return;
    case 'sub-call-end': {
      const outcome = event.outcome ?? (event.error ? 'failed' : 'answered');
      if (outcome === 'failed') state.subCallsFailed += 1;
      else if (outcome === 'cancelled') state.subCallsCancelled += 1;
      else if (outcome === 'abandoned') state.subCallsAbandoned += 1;
      if (run) {
        run.subCallsOpen = Math.max(0, run.subCallsOpen - 1);
        if (outcome === 'answered') {
          run.subCallsDone += 1;
          run.cellSubCalls.done += 1;
        } else if (outcome === 'cancelled') run.subCallsCancelled += 1;
        else {
          run.subCallsFailed += 1;
          run.cellSubCalls.failed += 1;
        }
      }
      return;
    }
    case 'concurrency-change': {
      const pausedUntil =
        event.pausedForMs === undefined
          ? state.windows.get(event.model)?.pausedUntil
          : event.timestamp + event.pausedForMs;
      state.windows.set(event.model, {
        window: event.window,
        maxWindow: event.maxWindow,
        adaptive: event.adaptive,
        ...(pausedUntil === undefined ? {} : { pausedUntil }),
      });
      return;
    }
    case 'run-end':
    case 'run-error':
      if (run) {
        run.status = event.type === 'run-end' ? 'answered' : 'failed';
        delete run.cell;
        delete run.modelCall;
      }
      return;
    default:
      return;
  }
}

/** Sub-calls of `run` in flight (plain calls holding a slot, child runs going) and queued for a slot. */
export function subCallPhases(run: RunProgress, state: ProgressState): { running: number; queued: number } {
  const childrenRunning = run.children.filter((id) => state.runs.get(id)?.status === 'running').length;
  const running = Math.min(run.subCallsOpen, run.subModelCallsInFlight + childrenRunning);
  return { running, queued: run.subCallsOpen - running };
}

import type { RLMEvent } from '@rlm/core';

/** One progress notification's content: a count that only grows, and a line for people. */
export interface ProgressUpdate {
  readonly progress: number;
  readonly message: string;
}

/** Shortest gap between two updates caused by sub-calls: a batch of 500 would otherwise send 500. */
const SUB_CALL_UPDATE_GAP_MS = 250;

/**
 * Turns a run's events into progress updates: one at each root turn, and at most one per
 * {@link SUB_CALL_UPDATE_GAP_MS} as sub-calls finish. `progress` counts turns and sub-calls done
 * (MCP requires it to grow; the total is unknown, so none is sent).
 */
export function createRunProgress(send: (update: ProgressUpdate) => void, now: () => number = Date.now) {
  let turn = 0;
  let maxTurns = 0;
  let subCalls = 0;
  let failed = 0;
  let childRuns = 0;
  let costUsd = 0;
  let progress = 0;
  let lastSent = Number.NEGATIVE_INFINITY;
  const line = () =>
    `turn ${turn}/${maxTurns}, ${subCalls} sub-call${subCalls === 1 ? '' : 's'}${failed ? ` (${failed} failed)` : ''}` +
    `${childRuns ? `, ${childRuns} child run${childRuns === 1 ? '' : 's'}` : ''}, $${costUsd.toFixed(4)}`;
  const emit = () => {
    lastSent = now();
    send({ progress, message: line() });
  };
  return (event: RLMEvent) => {
    switch (event.type) {
      case 'turn-start':
        if (event.depth !== 0) return;
        turn = event.turn;
        maxTurns = event.maxTurns;
        progress += 1;
        emit();
        return;
      case 'run-start':
        if (event.depth > 0) childRuns += 1;
        return;
      case 'model-call-end':
        costUsd += event.costUsd ?? 0;
        return;
      case 'sub-call-end':
        subCalls += 1;
        if (event.outcome === 'failed') failed += 1;
        progress += 1;
        if (now() - lastSent >= SUB_CALL_UPDATE_GAP_MS) emit();
        return;
      default:
        return;
    }
  };
}

import type { RLMEvent } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { createRunProgress, type ProgressUpdate } from './run-progress';

const base = { runId: 'r', timestamp: 0 };

describe('createRunProgress', () => {
  it('sends one update per root turn and at most one per 250 ms as sub-calls end, progress always growing', () => {
    const updates: ProgressUpdate[] = [];
    let clock = 0;
    const onEvent = createRunProgress(
      (update) => updates.push(update),
      () => clock,
    );
    const events: RLMEvent[] = [
      { ...base, depth: 0, type: 'turn-start', turn: 1, maxTurns: 30 },
      ...Array.from(
        { length: 50 },
        (_, index): RLMEvent => ({
          ...base,
          depth: 0,
          type: 'sub-call-end',
          callId: `s${index}`,
          kind: 'llm',
          model: 'm',
          durationMs: 1,
          outcome: index % 10 === 0 ? 'failed' : 'answered',
        }),
      ),
      { ...base, depth: 1, type: 'turn-start', turn: 1, maxTurns: 30 },
      {
        ...base,
        depth: 1,
        type: 'run-start',
        question: 'q',
        context: {} as never,
        rootModel: 'm',
        subModel: 'm',
      },
      {
        ...base,
        depth: 0,
        type: 'model-call-end',
        callId: 'c',
        role: 'root',
        model: 'm',
        durationMs: 1,
        costUsd: 0.5,
      },
      { ...base, depth: 0, type: 'turn-start', turn: 2, maxTurns: 30 },
    ];
    for (const event of events) {
      clock += 10;
      onEvent(event);
    }
    // Turn 1 at 10 ms, sub-calls at 260 and 510 ms (250 ms apart, events 10 ms apart), then turn 2.
    expect(updates.map((update) => update.message)).toEqual([
      'turn 1/30, 0 sub-calls, $0.0000',
      'turn 1/30, 25 sub-calls (3 failed), $0.0000',
      'turn 1/30, 50 sub-calls (5 failed), $0.0000',
      'turn 2/30, 50 sub-calls (5 failed), 1 child run, $0.5000',
    ]);
    const progress = updates.map((update) => update.progress);
    expect(progress).toEqual([1, 26, 51, 52]);
  });
});

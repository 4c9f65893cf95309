import type { CellResult, RLMEvent } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { eventLogText } from './event-log';
import { createProgressState } from './progress-state';

const T0 = 5_000;
const cellResult = (overrides: Partial<CellResult>): CellResult =>
  ({ stdout: '', stderr: '', durationMs: 250, ...overrides }) as CellResult;

describe('eventLogText', () => {
  const state = Object.assign(createProgressState(T0), {
    inputTokens: 1500,
    outputTokens: 40,
    costUsd: 0.002,
  });

  it('logs turns with time, tokens and cost, and cells with their outcome, indented by depth', () => {
    const turn: RLMEvent = {
      type: 'turn-start',
      runId: 'r',
      depth: 1,
      timestamp: T0 + 2500,
      turn: 3,
      maxTurns: 30,
    };
    expect(eventLogText(turn, state, false)).toBe(
      '  turn 3/30 (depth 1) · 2.5s · tokens 1.5k in, 40 out · $0.0020',
    );
    const failed: RLMEvent = {
      type: 'cell-end',
      runId: 'r',
      depth: 0,
      timestamp: T0,
      turn: 2,
      index: 1,
      result: cellResult({
        error: {
          kind: 'runtime',
          name: 'ReferenceError',
          message: 'x is not\ndefined',
        } as CellResult['error'],
      }),
    };
    expect(eventLogText(failed, state, false)).toBe(
      '  cell 2.2 ran in 0.3s · runtime error: x is not defined',
    );
  });

  it('adds code, output and sub-calls only with verbose', () => {
    const start: RLMEvent = {
      type: 'cell-start',
      runId: 'r',
      depth: 0,
      timestamp: T0,
      turn: 1,
      index: 0,
      code: 'const a = 1;\nconsole.log(a)',
    };
    expect(eventLogText(start, state, false)).toBeUndefined();
    expect(eventLogText(start, state, true)).toBe('cell 1.1:\n  │ const a = 1;\n  │ console.log(a)');
    const end: RLMEvent = {
      type: 'cell-end',
      runId: 'r',
      depth: 0,
      timestamp: T0,
      turn: 1,
      index: 0,
      result: cellResult({ stdout: '1\n' }),
    };
    expect(eventLogText(end, state, true)).toBe('  cell 1.1 ran in 0.3s\n  > 1');
    const sub: RLMEvent = {
      type: 'sub-call-end',
      runId: 'r',
      depth: 0,
      timestamp: T0,
      callId: 's',
      kind: 'llm',
      model: 'openai:gpt-5-mini',
      durationMs: 1200,
    };
    expect(eventLogText(sub, state, false)).toBeUndefined();
    expect(eventLogText(sub, state, true)).toBe('  llm_query → openai:gpt-5-mini · 1.2s');
  });
});

describe('eventLogText: concurrency windows', () => {
  it('a cut is one line; growth, pauses and the first report are none', () => {
    const state = createProgressState(T0);
    const event = (reason: string, window: number, previousWindow: number): RLMEvent =>
      ({
        type: 'concurrency-change',
        runId: 'r0',
        depth: 0,
        timestamp: T0,
        model: 'openai:m',
        window,
        previousWindow,
        maxWindow: 64,
        adaptive: true,
        reason,
        running: 3,
        queued: 9,
      }) as RLMEvent;
    expect(eventLogText(event('rate-limited', 16, 32), state, false)).toBe(
      '  openai:m rate-limited (429): concurrency 32 → 16',
    );
    expect(eventLogText(event('overloaded', 4, 8), state, true)).toBe(
      '  openai:m overloaded: concurrency 8 → 4',
    );
    for (const reason of ['initial', 'slow-start', 'additive', 'retry-after'])
      expect(eventLogText(event(reason, 16, 8), state, true)).toBeUndefined();
  });
});

import type { RLMEvent } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { applyProgressEvent, createProgressState, type ProgressState } from './progress-state';
import { renderProgress } from './render-progress';

const T0 = 1_000_000;
const base = { timestamp: T0 };
const summary = {
  type: 'string',
  totalCharacters: 1,
  approximateTokens: 1,
  parts: 1,
  partSizes: [1],
  head: 'x',
  tail: '',
} as const;
const usage = {
  total: {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costUsd: 0,
    callsWithUnknownCost: 0,
    abortedCalls: 0,
    replayedCalls: 0,
    cachedCalls: 0,
    cachedCostUsd: 0,
  },
  byModel: {},
};

function stateAfter(events: RLMEvent[], budget = {}): ProgressState {
  const state = createProgressState(T0, budget);
  for (const event of events) applyProgressEvent(state, event);
  return state;
}

const rootStart: RLMEvent = {
  ...base,
  type: 'run-start',
  runId: 'r0',
  depth: 0,
  question: 'q',
  context: summary,
  rootModel: 'openai:gpt-5',
  subModel: 'openai:gpt-5-mini',
};

describe('renderProgress', () => {
  it('shows "starting" before the first event', () => {
    expect(renderProgress(createProgressState(T0), 80, T0 + 300)).toEqual([
      'rlm 0.3s · tokens 0 in, 0 out · $0.0000 · sub-calls 0',
      '  starting…',
    ]);
  });

  it('shows the turn, the running cell with its first lines, sub-calls, tokens and cost against the budget', () => {
    const state = stateAfter(
      [
        rootStart,
        { ...base, type: 'turn-start', runId: 'r0', depth: 0, turn: 2, maxTurns: 30 },
        {
          ...base,
          type: 'model-call-end',
          runId: 'r0',
          depth: 0,
          callId: 'c1',
          role: 'root',
          model: 'openai:gpt-5',
          durationMs: 5,
          usage: { inputTokens: 12_345, outputTokens: 678 },
          costUsd: 0.0123,
        },
        {
          ...base,
          type: 'cell-start',
          runId: 'r0',
          depth: 0,
          turn: 2,
          index: 0,
          code: 'const parts = context.split("\\n\\n");\n\nconst answers = await llm_query_batched(parts);\nconsole.log(answers.length);\nFINAL(answers.join())',
        },
        {
          ...base,
          type: 'sub-call-start',
          runId: 'r0',
          depth: 0,
          callId: 's1',
          kind: 'llm',
          model: 'openai:gpt-5-mini',
          promptCharacters: 10,
        },
        {
          ...base,
          type: 'sub-call-start',
          runId: 'r0',
          depth: 0,
          callId: 's2',
          kind: 'llm',
          model: 'openai:gpt-5-mini',
          promptCharacters: 10,
        },
        {
          ...base,
          type: 'sub-call-start',
          runId: 'r0',
          depth: 0,
          callId: 's3',
          kind: 'llm',
          model: 'openai:gpt-5-mini',
          promptCharacters: 10,
        },
        {
          ...base,
          type: 'sub-call-end',
          runId: 'r0',
          depth: 0,
          callId: 's1',
          kind: 'llm',
          model: 'openai:gpt-5-mini',
          durationMs: 5,
        },
        {
          ...base,
          type: 'sub-call-end',
          runId: 'r0',
          depth: 0,
          callId: 's2',
          kind: 'llm',
          model: 'openai:gpt-5-mini',
          durationMs: 5,
          error: { name: 'APICallError', message: 'boom' },
        },
      ],
      { maxCostUsd: 2, maxSubCalls: 100, timeoutMs: 600_000 },
    );
    expect(renderProgress(state, 120, T0 + 12_340)).toEqual([
      'rlm 12.3s/10m00s · tokens 12.3k in, 678 out · $0.0123/$2.00 · sub-calls 3/100 (1 failed)',
      'root depth 0 · turn 2/30 · running cell 2.1 (12.3s) · sub-calls 1 queued, 1 done, 1 failed',
      '│ const parts = context.split("\\n\\n");',
      '│ const answers = await llm_query_batched(parts);',
      '│ console.log(answers.length);',
    ]);
  });

  it('tells sub-calls running (holding a slot: their model call started) from queued ones (issue 13)', () => {
    const subCall = (callId: string): RLMEvent => ({
      ...base,
      type: 'sub-call-start',
      runId: 'r0',
      depth: 0,
      callId,
      kind: 'llm',
      model: 'openai:mini',
      promptCharacters: 10,
    });
    const modelCall = (callId: string): RLMEvent => ({
      ...base,
      type: 'model-call-start',
      runId: 'r0',
      depth: 0,
      callId,
      role: 'sub',
      model: 'openai:mini',
      promptCharacters: 10,
    });
    const events: RLMEvent[] = [
      rootStart,
      { ...base, type: 'turn-start', runId: 'r0', depth: 0, turn: 1, maxTurns: 30 },
      ...Array.from({ length: 200 }, (_, index) => subCall(`s${index}`)),
      ...Array.from({ length: 16 }, (_, index) => modelCall(`m${index}`)),
    ];
    const state = stateAfter(events);
    expect(renderProgress(state, 120, T0)[1]).toBe(
      'root depth 0 · turn 1/30 · starting · sub-calls 16 running, 184 queued',
    );
  });

  it('shows running child RLMs as a tree under their parent, finished ones as a count', () => {
    const state = stateAfter([
      rootStart,
      { ...base, type: 'turn-start', runId: 'r0', depth: 0, turn: 1, maxTurns: 30 },
      {
        ...base,
        type: 'cell-start',
        runId: 'r0',
        depth: 0,
        turn: 1,
        index: 0,
        code: 'await rlm_query_batched(["a", "b", "c"])',
      },
      {
        ...base,
        type: 'run-start',
        runId: 'r1',
        parentRunId: 'r0',
        depth: 1,
        question: 'a',
        context: summary,
        rootModel: 'm',
        subModel: 'm',
      },
      {
        ...base,
        type: 'run-start',
        runId: 'r2',
        parentRunId: 'r0',
        depth: 1,
        question: 'b',
        context: summary,
        rootModel: 'm',
        subModel: 'm',
      },
      {
        ...base,
        type: 'run-start',
        runId: 'r3',
        parentRunId: 'r2',
        depth: 2,
        question: 'c',
        context: summary,
        rootModel: 'm',
        subModel: 'm',
      },
      { ...base, type: 'turn-start', runId: 'r2', depth: 1, turn: 3, maxTurns: 30 },
      {
        ...base,
        type: 'model-call-start',
        runId: 'r2',
        depth: 1,
        callId: 'm1',
        role: 'root',
        model: 'openai:gpt-5-mini',
        promptCharacters: 9,
      },
      {
        ...base,
        type: 'run-end',
        runId: 'r1',
        depth: 1,
        answer: 'x',
        answerSource: 'FINAL',
        usage,
        failedSubCalls: { count: 0, total: 0, reasons: [] },
        durationMs: 5,
      },
    ]);
    expect(renderProgress(state, 200, T0 + 2_000)).toEqual([
      'rlm 2.0s · tokens 0 in, 0 out · $0.0000 · sub-calls 0',
      'root depth 0 · turn 1/30 · running cell 1.1 (2.0s) · 1 child run finished',
      '│ await rlm_query_batched(["a", "b", "c"])',
      '└ child depth 1 · turn 3/30 · waiting for openai:gpt-5-mini (2.0s)',
      '  └ child depth 2 · starting',
    ]);
  });

  it('fits every line into the width minus one column, and says when calls have no known price', () => {
    const state = stateAfter([
      rootStart,
      { ...base, type: 'turn-start', runId: 'r0', depth: 0, turn: 1, maxTurns: 30 },
      {
        ...base,
        type: 'model-call-end',
        runId: 'r0',
        depth: 0,
        callId: 'c1',
        role: 'root',
        model: 'local:qwen',
        durationMs: 5,
        usage: { inputTokens: 10, outputTokens: 2 },
      },
      {
        ...base,
        type: 'cell-start',
        runId: 'r0',
        depth: 0,
        turn: 1,
        index: 0,
        code: `console.log("${'x'.repeat(200)}")\tmore`,
      },
    ]);
    state.stopping = true;
    const lines = renderProgress(state, 40, T0 + 61_000);
    expect(lines).toEqual([
      'rlm 1m01s · tokens 10 in, 2 out · cost…',
      'root depth 0 · turn 1/30 · running cel…',
      '│ console.log("xxxxxxxxxxxxxxxxxxxxxxx…',
    ]);
    expect(renderProgress(state, 400, T0)[0]).toBe(
      'rlm 0.0s · tokens 10 in, 2 out · cost unknown · sub-calls 0 · stopping… (Ctrl-C again to quit now)',
    );
  });
});

describe('renderProgress: concurrency windows', () => {
  const change = (model: string, window: number, extra: Partial<RLMEvent> = {}): RLMEvent =>
    ({
      ...base,
      type: 'concurrency-change',
      runId: 'r0',
      depth: 0,
      model,
      window,
      previousWindow: window,
      maxWindow: 64,
      adaptive: true,
      reason: 'initial',
      running: 0,
      queued: 0,
      ...extra,
    }) as RLMEvent;

  const subCall = (model: string): RLMEvent => ({
    ...base,
    type: 'sub-call-start',
    runId: 'r0',
    depth: 0,
    callId: `c-${model}`,
    kind: 'llm',
    model,
    promptCharacters: 1,
  });

  it('one model: its window of the cap; a fixed one says so; a Retry-After wait while it lasts', () => {
    const header = (events: RLMEvent[], now = T0 + 1_000) =>
      renderProgress(stateAfter([rootStart, subCall('openai:gpt-5'), ...events]), 200, now)[0];
    expect(header([])).not.toContain('concurrency');
    expect(header([change('openai:gpt-5', 16), change('openai:gpt-5', 32, { reason: 'slow-start' })])).toBe(
      'rlm 1.0s · tokens 0 in, 0 out · $0.0000 · sub-calls 1 · concurrency 32/64',
    );
    expect(header([change('openai:gpt-5', 8, { adaptive: false, maxWindow: 8 })])).toContain(
      'concurrency 8 fixed',
    );
    const paused = [change('openai:gpt-5', 16, { reason: 'retry-after', pausedForMs: 2_000 })];
    expect(header(paused, T0 + 1_000)).toContain('concurrency 16/64 waiting out Retry-After');
    expect(header(paused, T0 + 2_500)).toMatch(/concurrency 16\/64$/);
  });

  it('only the models sub-calls went to (a root model calls one at a time); several are named', () => {
    const events = [rootStart, change('openai:gpt-5', 16), change('openai:gpt-5-mini', 4)];
    expect(renderProgress(stateAfter(events), 200, T0)[0]).not.toContain('concurrency');
    expect(renderProgress(stateAfter([...events, subCall('openai:gpt-5-mini')]), 200, T0)[0]).toMatch(
      / · concurrency 4\/64$/,
    );
    const both = stateAfter([...events, subCall('openai:gpt-5-mini'), subCall('openai:gpt-5')]);
    expect(renderProgress(both, 200, T0)[0]).toContain(
      'concurrency openai:gpt-5 16/64, openai:gpt-5-mini 4/64',
    );
  });
});

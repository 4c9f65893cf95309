import type { RLMEvent, RunUsage } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { optionSpecOf } from '../options/option-specs';
import { parseCommandLine } from '../options/parse-command-line';
import { parseOptionValue } from '../options/parse-option-value';
import { summaryLine } from '../output/run-report';
import { eventLogText } from '../progress/event-log';
import { applyProgressEvent, createProgressState } from '../progress/progress-state';
import { renderProgress } from '../progress/render-progress';

const T0 = 1_000_000;

describe('--cache [DIR] on the command line', () => {
  it('alone or before a flag is on; before another argument takes it as the folder; =DIR; --no-cache', () => {
    expect(parseCommandLine(['Q?', '--cache']).flags).toEqual({ cache: 'true' });
    expect(parseCommandLine(['Q?', '--cache', '-c', 'a.log']).flags).toEqual({ cache: 'true' });
    expect(parseCommandLine(['Q?', '--cache', '--model', 'openai:x']).flags).toEqual({
      cache: 'true',
      model: 'openai:x',
    });
    const taken = parseCommandLine(['Q?', '--cache', 'my-cache', '-c', 'a.log']);
    expect(taken.flags).toEqual({ cache: 'my-cache' });
    expect(taken.context).toEqual(['a.log']);
    expect(taken.optionalValueTaken).toEqual({ flag: '--cache', value: 'my-cache' });
    expect(parseCommandLine(['Q?', '--cache=dir']).flags).toEqual({ cache: 'dir' });
    expect(parseCommandLine(['Q?', '--no-cache']).flags).toEqual({ cache: 'false' });
    // After --, nothing is an option.
    expect(parseCommandLine(['Q?', '--', '--cache']).context).toEqual(['--cache']);
    // The question taken as the folder: the question is missing, and the command line says why.
    expect(parseCommandLine(['--cache', 'How many?']).question).toBeUndefined();
  });
});

describe('the cache setting from a variable or a config file', () => {
  it('is true, false or a folder; anything else is a usage error naming where it came from', () => {
    const spec = optionSpecOf('cache');
    expect(parseOptionValue(spec, true, 'rlm.config.json')).toBe(true);
    expect(parseOptionValue(spec, false, 'rlm.config.json')).toBe(false);
    expect(parseOptionValue(spec, '1', 'RLM_CACHE')).toBe(true);
    expect(parseOptionValue(spec, '0', 'RLM_CACHE')).toBe(false);
    expect(parseOptionValue(spec, ' .rlm-cache ', 'RLM_CACHE')).toBe('.rlm-cache');
    expect(() => parseOptionValue(spec, 5, 'rlm.config.json')).toThrow(
      'rlm.config.json: 5 is not a valid value for cache; expected true, false or a folder (e.g. --cache).',
    );
  });
});

const usage = (calls: number, cachedCalls: number, cachedCostUsd: number, costUsd = 0): RunUsage => ({
  total: {
    calls,
    inputTokens: calls * 100,
    outputTokens: calls * 10,
    cachedInputTokens: 0,
    costUsd,
    callsWithUnknownCost: 0,
    abortedCalls: 0,
    replayedCalls: 0,
    cachedCalls,
    cachedCostUsd,
  },
  byModel: {},
});

describe('cached calls in the summary', () => {
  it('says how many model calls the cache answered and what they saved, when the cache is on', () => {
    const line = (value: RunUsage, cacheOn = true) =>
      summaryLine({ status: 'answered', turns: 2, durationMs: 900, usage: value, subCalls: 4, cacheOn });
    expect(line(usage(0, 6, 0.034))).toBe(
      'rlm: answered · 2 turns · 0.9s · 4 sub-calls · 6 model calls (6 cached, $0.0340 saved) · tokens 0 in, 0 out · $0.0000',
    );
    expect(line(usage(2, 4, 0.02, 0.01))).toContain('· 6 model calls (4 cached, $0.0200 saved) ·');
    expect(line(usage(6, 0, 0, 0.034))).toContain('· 6 model calls (0 cached) ·');
    expect(line(usage(6, 0, 0, 0.034), false)).not.toContain('cached');
  });
});

describe('cached calls in the live progress', () => {
  it('counts a cache hit as cached, not as spent, in the header and the turn lines', () => {
    const state = createProgressState(T0);
    const events: RLMEvent[] = [
      {
        type: 'run-start',
        runId: 'r0',
        depth: 0,
        timestamp: T0,
        question: 'q',
        rootModel: 'm',
        subModel: 'm',
      } as RLMEvent,
      {
        type: 'model-call-end',
        runId: 'r0',
        depth: 0,
        timestamp: T0,
        callId: 'c1',
        role: 'root',
        model: 'openai:m',
        durationMs: 0,
        usage: { inputTokens: 1000, outputTokens: 50 },
        costUsd: 0.03,
        servedFrom: 'cache',
      },
      {
        type: 'model-call-end',
        runId: 'r0',
        depth: 0,
        timestamp: T0,
        callId: 'c2',
        role: 'sub',
        model: 'openai:m',
        durationMs: 5,
        usage: { inputTokens: 10, outputTokens: 5 },
        costUsd: 0.001,
      },
    ];
    for (const event of events) applyProgressEvent(state, event);
    expect(state).toMatchObject({
      cachedCalls: 1,
      modelCalls: 1,
      inputTokens: 10,
      outputTokens: 5,
      costUsd: 0.001,
    });
    expect(renderProgress(state, 200, T0 + 1000)[0]).toBe(
      'rlm 1.0s · tokens 10 in, 5 out · $0.0010 · sub-calls 0 · 1 cached ($0.0300 saved)',
    );
    const turn = eventLogText(
      { type: 'turn-start', runId: 'r0', depth: 0, timestamp: T0 + 1000, turn: 2, maxTurns: 30 } as RLMEvent,
      state,
      false,
    );
    expect(turn).toBe('turn 2/30 · 1.0s · tokens 10 in, 5 out · $0.0010 · 1 cached ($0.0300 saved)');
  });
});

import { describe, expect, it } from 'vitest';
import type { ReplEnvironment } from '../environment/repl-environment';
import type { RLMEvent } from '../events/rlm-event';
import { MockLanguageModel } from '../testing/mock-language-model';
import { createRLM } from './create-rlm';
import { resolveSettings } from './resolve-settings';
import { createRunEmitter } from './run-emitter';
import { RunTree } from './run-tree';

/**
 * Runs no code: a cell that starts with FINAL( answers 'done', a cell that mentions rlm_query asks
 * one child, any other prints nothing.
 */
const scriptedEnvironment: ReplEnvironment = {
  specificationVersion: 'v1',
  environmentId: 'scripted',
  language: 'javascript',
  async createSession({ hostFunctions }) {
    return {
      async runCell(code) {
        const signal = new AbortController().signal;
        if (code.includes('rlm_query(')) await hostFunctions.rlm_query!(['child question'], { signal });
        return {
          stdout: '',
          stderr: '',
          droppedOutputChars: 0,
          durationMs: 0,
          ...(code.startsWith('FINAL(') ? { final: { source: 'FINAL' as const, value: 'done' } } : {}),
        };
      },
      async dispose() {},
    };
  },
};

describe('createRunEmitter', () => {
  it('stamps every event with the run’s id and depth and the time it was reported, type first', () => {
    const events: RLMEvent[] = [];
    const settings = resolveSettings({
      model: new MockLanguageModel({ responses: [] }),
      environment: scriptedEnvironment,
    });
    const tree = new RunTree(settings, [(event) => events.push(event)]);
    const emit = createRunEmitter(tree, 'run-x', 2);
    const before = Date.now();
    emit({ type: 'turn-start', turn: 1, maxTurns: 3 });
    tree.close();
    expect(events).toEqual([
      { type: 'turn-start', runId: 'run-x', depth: 2, timestamp: expect.any(Number), turn: 1, maxTurns: 3 },
    ]);
    expect(Object.keys(events[0]!)).toEqual(['type', 'runId', 'depth', 'timestamp', 'turn', 'maxTurns']);
    expect(events[0]!.timestamp).toBeGreaterThanOrEqual(before);
    expect(events[0]!.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('every event of a run with a child carries its own run’s id and depth, in time order', async () => {
    const events: RLMEvent[] = [];
    const fence = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``;
    const model = new MockLanguageModel({
      responses: (request) =>
        request.messages[1]?.content.includes('child question')
          ? fence('FINAL(1)')
          : request.index === 0
            ? fence('await rlm_query("child question")')
            : fence('FINAL(2)'),
    });
    await createRLM({
      model,
      environment: scriptedEnvironment,
      onEvent: (event) => events.push(event),
    }).completion('q', { context: 'c', limits: { maxDepth: 2 } });
    const runs = new Map(
      events.filter((event) => event.type === 'run-start').map((event) => [event.runId, event.depth]),
    );
    expect([...runs.values()]).toEqual([0, 1]);
    for (const event of events) expect(runs.get(event.runId)).toBe(event.depth);
    const times = events.map((event) => event.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ type: 'run-end', depth: 0, answer: 'done' });
  });
});

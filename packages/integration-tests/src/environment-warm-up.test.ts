import { createRLM, type ReplEnvironment } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, it } from 'vitest';
import { code } from './fixtures';

/**
 * `ReplEnvironment.warmUp` is the environment's chance to ready the first cell (load and compile
 * its parser) while the thread is idle: during the root's first model call. It must come while that
 * call is in flight — not before it (it would delay the request) nor after the first cell (it would
 * be useless) — once per run, and a failing one must cost nothing but the head start.
 */
describe('the environment warm-up', () => {
  /** QuickJS with a warm-up that records, at each call, how far the run had got. */
  function recordingEnvironment(warmUp?: () => void) {
    const quickjs = createQuickJSEnvironment();
    const seen: { rootCalls: number; rootCallsAnswered: number; cellsRun: number }[] = [];
    let cellsRun = 0;
    const state = { model: undefined as MockLanguageModel | undefined, answered: 0 };
    const environment: ReplEnvironment = {
      ...quickjs,
      createSession: async (options) => {
        const session = await quickjs.createSession(options);
        return {
          ...session,
          runCell: (cellCode, cellOptions) => {
            cellsRun++;
            return session.runCell(cellCode, cellOptions);
          },
          dispose: () => session.dispose(),
        };
      },
      warmUp: () => {
        seen.push({
          rootCalls: state.model?.calls.length ?? 0,
          rootCallsAnswered: state.answered,
          cellsRun,
        });
        warmUp?.();
      },
    };
    return { environment, seen, state };
  }

  it('comes once per run, while the first root call is in flight, before any cell', async () => {
    const { environment, seen, state } = recordingEnvironment();
    const model = new MockLanguageModel({
      responses: [code('const n = await llm_query("one");\nconsole.log(n)'), code('FINAL("done")')],
      latencyMs: 60,
    });
    state.model = model;
    const subModel = new MockLanguageModel({ responses: () => 'sub answer', latencyMs: 5 });
    const rlm = createRLM({ model, subModel, environment });
    const result = await rlm.completion('q', {
      context: 'text',
      onEvent: (event) => {
        if (event.type === 'model-call-end' && event.role === 'root') state.answered++;
      },
    });
    expect(result.answer).toBe('done');
    expect(seen).toEqual([{ rootCalls: 1, rootCallsAnswered: 0, cellsRun: 0 }]);
    await environment.dispose?.();
  });

  it('does not come for child runs, only for the root', async () => {
    const { environment, seen, state } = recordingEnvironment();
    const model = new MockLanguageModel({
      // The child's prompt carries its question; the root's does not.
      responses: (request) =>
        request.messages.some((message) => message.content.includes('child question'))
          ? code('FINAL("from the child")')
          : code('const c = await rlm_query("child question", "child context");\nFINAL(c)'),
      latencyMs: 20,
    });
    state.model = model;
    const rlm = createRLM({ model, environment });
    const result = await rlm.completion('root question', { context: 'text', limits: { maxDepth: 2 } });
    expect(result.answer).toBe('from the child');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ rootCalls: 1, cellsRun: 0 });
    await environment.dispose?.();
  });

  it('that throws costs the run nothing', async () => {
    const { environment, seen } = recordingEnvironment(() => {
      throw new Error('warm-up broke');
    });
    const model = new MockLanguageModel({ responses: [code('FINAL(6 * 7)')], latencyMs: 20 });
    const rlm = createRLM({ model, environment });
    const result = await rlm.completion('q', { context: 'text' });
    expect(result.answer).toBe('42');
    expect(seen).toHaveLength(1);
    await environment.dispose?.();
  });
});

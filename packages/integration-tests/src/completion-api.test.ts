import { getEventListeners } from 'node:events';
import { InvalidArgumentError, type LimitExceededError, type RLMEvent, RunAbortedError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/*
 * createRLM's surface: completion's argument checks, the result's fields, stream(), listeners, ids,
 * user aborts and the run deadline (issue 10: mutation testing found these unchecked).
 */

function finishing(answer = 'done') {
  return new MockLanguageModel({ responses: [code(`FINAL(${JSON.stringify(answer)})`)] });
}

describe('completion: what it needs', () => {
  it('a non-empty question string', async () => {
    const rlm = quickjsRLM({ model: finishing() });
    for (const question of ['', '   \n', 42, undefined]) {
      const error = await rlm.completion(question as never, { context: 'c' }).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('question');
      expect((error as Error).message).toBe(
        'completion needs a non-empty question string as its first argument.',
      );
    }
  });

  it('a context, which may be any defined value (an empty string or null included)', async () => {
    const rlm = quickjsRLM({ model: finishing() });
    for (const options of [undefined, null, 'c', {}, { context: undefined }]) {
      const error = await rlm.completion('q', options as never).catch((e: unknown) => e);
      expect((error as InvalidArgumentError).argument).toBe('options.context');
      expect((error as Error).message).toBe(
        'completion needs a context: rlm.completion(question, { context }) with a string, a list of strings or JSON data.',
      );
    }
    expect((await quickjsRLM({ model: finishing() }).completion('q', { context: '' })).answer).toBe('done');
    expect(
      (await quickjsRLM({ model: finishing() }).completion('q', { context: null as never })).answer,
    ).toBe('done');
  });

  it('createRLM checks its settings at once, completion checks its per-call limits', async () => {
    expect(() => quickjsRLM({ model: finishing(), limits: { maxTurns: 0 } })).toThrow(InvalidArgumentError);
    const error = await quickjsRLM({ model: finishing() })
      .completion('q', { context: 'c', limits: { maxDepth: -1 } })
      .catch((e: unknown) => e);
    expect((error as InvalidArgumentError).argument).toBe('limits.maxDepth');
  });
});

describe('completion: what it gives', () => {
  it('the answer, its source, usage and cost of the whole tree, turns, duration and trajectory', async () => {
    const model = new MockLanguageModel({
      responses: [code('console.log(await llm_query("a"))'), code('FINAL("two turns")')],
      costOf: () => 0.01,
    });
    const subModel = new MockLanguageModel({ responses: () => 'x', costOf: () => 0.005, modelId: 'sub' });
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(result.answer).toBe('two turns');
    expect(result.answerSource).toBe('FINAL');
    expect(result.turns).toBe(2);
    expect(result.usage.total.calls).toBe(3);
    expect(result.costUsd).toBeCloseTo(0.025, 10);
    expect(result.costUsd).toBe(result.usage.total.costUsd);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.failedSubCalls).toEqual({ count: 0, total: 1, reasons: [] });
    expect(result.trajectory.answer).toBe('two turns');
    expect(result.trajectory.iterations).toHaveLength(2);
  });

  it('every event reaches both the settings listener and the call listener, in the same order', async () => {
    const fromSettings: string[] = [];
    const fromCall: string[] = [];
    await quickjsRLM({ model: finishing(), onEvent: (event) => fromSettings.push(event.type) }).completion(
      'q',
      {
        context: 'c',
        onEvent: (event) => fromCall.push(event.type),
      },
    );
    expect(fromSettings).toEqual(fromCall);
    expect(fromCall[0]).toBe('run-start');
    expect(fromCall.at(-1)).toBe('run-end');
    expect(fromCall).toContain('cell-end');
  });

  it('a listener that throws does not break the run, and the others still hear everything', async () => {
    const heard: string[] = [];
    const result = await quickjsRLM({
      model: finishing(),
      onEvent: () => {
        throw new Error('listener bug');
      },
    }).completion('q', { context: 'c', onEvent: (event) => heard.push(event.type) });
    expect(result.answer).toBe('done');
    expect(heard.at(-1)).toBe('run-end');
  });

  it('ids are unique within a run and name their kind', async () => {
    const events: RLMEvent[] = [];
    await quickjsRLM({
      model: new MockLanguageModel({ responses: [code('await llm_query_batched(["a", "b"]); FINAL("ok")')] }),
    }).completion('q', { context: 'c', onEvent: (event) => events.push(event) });
    const callIds = events.flatMap((event) => ('callId' in event ? [event.callId] : []));
    const starts = events.filter(
      (event) => event.type === 'sub-call-start' || event.type === 'model-call-start',
    );
    expect(new Set(starts.map((event) => (event as { callId: string }).callId)).size).toBe(starts.length);
    expect(callIds.some((id) => /^sub-[a-z0-9]+-\d+$/.test(id))).toBe(true);
    expect(callIds.some((id) => /^call-[a-z0-9]+-\d+$/.test(id))).toBe(true);
    const runStart = events.find((event) => event.type === 'run-start');
    expect(runStart?.runId).toMatch(/^run-[a-z0-9]+-1$/);
  });
});

describe('stream', () => {
  it('yields every event, ending with run-end, and its result resolves like completion', async () => {
    const seenByOption: string[] = [];
    const stream = quickjsRLM({ model: finishing('streamed') }).stream('q', {
      context: 'c',
      onEvent: (event) => seenByOption.push(event.type),
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe('run-start');
    expect(types.at(-1)).toBe('run-end');
    expect(types).toEqual(seenByOption);
    expect((await stream.result).answer).toBe('streamed');
  });

  it('a failed run makes the loop throw the run error after its events, and result rejects with it', async () => {
    const model = new MockLanguageModel({ responses: () => code('undefinedThing()') });
    const stream = quickjsRLM({ model, limits: { maxConsecutiveErrors: 1 } }).stream('q', { context: 'c' });
    const types: string[] = [];
    const thrown = await (async () => {
      try {
        for await (const event of stream) types.push(event.type);
      } catch (error) {
        return error;
      }
    })();
    expect((thrown as LimitExceededError).limit).toBe('maxConsecutiveErrors');
    expect(types.at(-1)).toBe('run-error');
    await expect(stream.result).rejects.toBe(thrown);
  });

  it('a reader that comes late misses nothing', async () => {
    const stream = quickjsRLM({ model: finishing() }).stream('q', { context: 'c' });
    await stream.result;
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe('run-start');
    expect(types.at(-1)).toBe('run-end');
  });
});

describe('stopping a run', () => {
  it('an AbortSignal aborted before the call: RunAbortedError with the reason, nothing sent', async () => {
    const model = finishing();
    const controller = new AbortController();
    controller.abort(new Error('user said stop'));
    const error = await quickjsRLM({ model })
      .completion('q', { context: 'c', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(RunAbortedError.isInstance(error)).toBe(true);
    expect(model.calls).toHaveLength(0);
  });

  it('an abort during a run stops it; after the run, the signal is left alone', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModel({ responses: [code('await llm_query("slow")')] });
    const subModel = new MockLanguageModel({ responses: () => 'late', latencyMs: 10_000 });
    setTimeout(() => controller.abort(), 200);
    const error = await quickjsRLM({ model, subModel })
      .completion('q', { context: 'c', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(RunAbortedError.isInstance(error)).toBe(true);

    const later = new AbortController();
    await quickjsRLM({ model: finishing() }).completion('q', { context: 'c', signal: later.signal });
    // The finished run removed its listener from the caller's signal (no leak across many runs).
    expect(getEventListeners(later.signal, 'abort')).toHaveLength(0);
  });

  it('the deadline names itself, and a run that ends first is not stopped by it later', async () => {
    const model = new MockLanguageModel({ responses: [code('await llm_query("slow")')] });
    const subModel = new MockLanguageModel({ responses: () => 'late', latencyMs: 10_000 });
    const error = await quickjsRLM({ model, subModel, limits: { timeoutMs: 200 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('timeoutMs');
    expect((error as LimitExceededError).limitValue).toBe(200);
    expect((error as Error).message).toBe('The run took longer than its limit of 200 ms (limits.timeoutMs).');

    const quick = await quickjsRLM({ model: finishing('in time'), limits: { timeoutMs: 5_000 } }).completion(
      'q',
      {
        context: 'c',
      },
    );
    expect(quick.answer).toBe('in time');
  });
});

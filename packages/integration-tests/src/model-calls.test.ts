import type { LimitExceededError, RLMEvent } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/*
 * Every model call of a run: its start and end events, the usage and cost it adds, and what a call
 * stopped in flight is charged (issue 10: mutation testing found these unchecked).
 */

type Of<T extends RLMEvent['type']> = Extract<RLMEvent, { type: T }>;

describe('model-call events', () => {
  it('start with the role, model and prompt size; end with usage, cost, finish reason and duration', async () => {
    const events: RLMEvent[] = [];
    const model = new MockLanguageModel({
      responses: [code('console.log(await llm_query("twelve chars"))'), code('FINAL("ok")')],
      modelId: 'big',
      costOf: () => 0.5,
    });
    const subModel = new MockLanguageModel({ responses: () => 'sub answer', modelId: 'small' });
    await quickjsRLM({ model, subModel, maxOutputTokens: 321, subMaxOutputTokens: 123 }).completion('q', {
      context: 'c',
      onEvent: (event) => events.push(event),
    });
    const starts = events.filter(
      (event): event is Of<'model-call-start'> => event.type === 'model-call-start',
    );
    const ends = events.filter((event): event is Of<'model-call-end'> => event.type === 'model-call-end');
    expect(starts.map((event) => [event.role, event.model])).toEqual([
      ['root', 'mock:big'],
      ['sub', 'mock:small'],
      ['root', 'mock:big'],
    ]);
    expect(starts[1]!.promptCharacters).toBe('twelve chars'.length);
    const rootPrompt = model.calls[0]!.messages.reduce((sum, message) => sum + message.content.length, 0);
    expect(starts[0]!.promptCharacters).toBe(rootPrompt);
    expect(ends.map((event) => event.callId)).toEqual(starts.map((event) => event.callId));
    expect(ends[0]).toMatchObject({ costUsd: 0.5, finishReason: 'stop' });
    expect(ends[1]!.usage).toEqual({ inputTokens: 3, outputTokens: 3 });
    expect('costUsd' in ends[1]!).toBe(false);
    expect(ends.every((event) => event.durationMs >= 0 && !('error' in event))).toBe(true);
    // The output caps reach the providers: the root's for root turns, the sub-calls' for sub-calls.
    expect(model.calls[0]!.maxOutputTokens).toBe(321);
    expect(subModel.calls[0]!.maxOutputTokens).toBe(123);
  });

  it('a failed call ends with its error', async () => {
    const events: RLMEvent[] = [];
    const model = new MockLanguageModel({ responses: [new Error('provider down')] });
    await quickjsRLM({ model })
      .completion('q', { context: 'c', onEvent: (event) => events.push(event) })
      .catch(() => undefined);
    const end = events.find((event): event is Of<'model-call-end'> => event.type === 'model-call-end');
    expect(end?.error).toEqual({ name: 'Error', message: 'provider down' });
  });
});

describe('usage and cost', () => {
  it('add up per model and in total, children and sub-calls included', async () => {
    const model = new MockLanguageModel({
      responses: [
        { text: code('console.log(await llm_query("a"))'), usage: { inputTokens: 100, outputTokens: 10 } },
        { text: code('FINAL("ok")'), usage: { inputTokens: 200, outputTokens: 20 } },
      ],
      modelId: 'big',
      costOf: (usage) => usage.inputTokens * 0.001,
    });
    const subModel = new MockLanguageModel({
      responses: () => ({ text: 'x', usage: { inputTokens: 7, outputTokens: 3 } }),
      modelId: 'small',
    });
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(result.usage.byModel['mock:big']).toMatchObject({ calls: 2, inputTokens: 300, outputTokens: 30 });
    expect(result.usage.byModel['mock:small']).toMatchObject({ calls: 1, inputTokens: 7, outputTokens: 3 });
    expect(result.usage.total).toMatchObject({
      calls: 3,
      inputTokens: 307,
      outputTokens: 33,
      abortedCalls: 0,
    });
    expect(result.costUsd).toBeCloseTo(0.3, 10);
    expect(result.usage.total.callsWithUnknownCost).toBe(1);
  });

  it('a call stopped in flight is charged its prompt, estimated, and counted as aborted', async () => {
    const model = new MockLanguageModel({
      responses: [code('await llm_query("x".repeat(4000))')],
      modelId: 'big',
    });
    const subModel = new MockLanguageModel({ responses: () => 'late', latencyMs: 10_000, modelId: 'small' });
    const error = await quickjsRLM({ model, subModel, limits: { timeoutMs: 300 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    const usage = (error as LimitExceededError).trajectory!.usage!;
    expect(usage.byModel['mock:small']).toMatchObject({
      calls: 1,
      inputTokens: 1000,
      outputTokens: 0,
      abortedCalls: 1,
    });
    expect(usage.total.abortedCalls).toBe(1);
  });
});

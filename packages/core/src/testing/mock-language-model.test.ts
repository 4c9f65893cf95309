import { describe, expect, it } from 'vitest';
import { MockLanguageModel } from './mock-language-model';
import { testLanguageModel } from './test-language-model';

testLanguageModel('MockLanguageModel', {
  createModel: (respond) =>
    new MockLanguageModel({
      responses: (request) => {
        const reply = respond({
          messages: request.messages,
          ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        });
        return { text: reply.text, usage: reply.usage, latencyMs: reply.delayMs ?? 0 };
      },
    }),
});

describe('MockLanguageModel', () => {
  it('replies from a list in order and records every call', async () => {
    const model = new MockLanguageModel({ responses: ['one', { text: 'two', costUsd: 0.5 }] });
    const first = await model.doGenerate({ messages: [{ role: 'user', content: 'a' }] });
    const second = await model.doGenerate({ messages: [{ role: 'user', content: 'b' }], maxOutputTokens: 9 });
    expect([first.text, second.text]).toEqual(['one', 'two']);
    expect(second.costUsd).toBe(0.5);
    expect(model.calls.map((call) => [call.lastMessage, call.maxOutputTokens])).toEqual([
      ['a', undefined],
      ['b', 9],
    ]);
  });

  it('says clearly when the script runs out', async () => {
    const model = new MockLanguageModel({ responses: ['only'], modelId: 'scripted' });
    await model.doGenerate({ messages: [{ role: 'user', content: 'a' }] });
    await expect(model.doGenerate({ messages: [{ role: 'user', content: 'b' }] })).rejects.toThrow(
      /'scripted' has no scripted response for call #2 \(it has 1\)/,
    );
  });

  it('throws scripted errors and estimates usage from characters', async () => {
    const model = new MockLanguageModel({ responses: [new Error('boom'), 'x'.repeat(40)] });
    await expect(model.doGenerate({ messages: [{ role: 'user', content: 'a' }] })).rejects.toThrow('boom');
    const result = await model.doGenerate({ messages: [{ role: 'user', content: 'y'.repeat(400) }] });
    expect(result.usage).toEqual({ inputTokens: 100, outputTokens: 10 });
  });

  it('simulates latency and tracks peak concurrency', async () => {
    const model = new MockLanguageModel({ responses: () => 'ok', latencyMs: 50 });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, () => model.doGenerate({ messages: [{ role: 'user', content: 'a' }] })),
    );
    const elapsed = performance.now() - started;
    // All 8 at once (the count says so; a wall-clock ceiling would only add flakiness), each waiting its latency.
    expect(model.peakConcurrency).toBe(8);
    expect(elapsed).toBeGreaterThanOrEqual(45);
  });

  it('computes cost with costOf', async () => {
    const model = new MockLanguageModel({
      responses: ['abcd'],
      costOf: (usage) => usage.inputTokens * 0.01 + usage.outputTokens * 0.1,
    });
    const result = await model.doGenerate({ messages: [{ role: 'user', content: 'x'.repeat(40) }] });
    expect(result.costUsd).toBeCloseTo(0.2);
  });
});

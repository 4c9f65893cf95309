import { ContextWindowExceededError, LimitExceededError, RLMError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/*
 * The limits at their boundaries, each checked on both sides: a bug that moves a boundary by one
 * (`>=` for `>`, a reserve left out) fails one side or the other. Issue 10 found these untested.
 */

/** A sub-model with a 32,000-token window that echoes the length of what it was sent. */
function windowedSubModel() {
  return new MockLanguageModel({
    responses: (request) => `got ${request.lastMessage.length}`,
    modelId: 'sub',
    contextWindow: 32_000,
  });
}

/** Runs one cell that sends a prompt of `characters` characters and finishes with what happened. */
async function sendPromptOf(characters: number, subMaxOutputTokens?: number) {
  const model = new MockLanguageModel({
    responses: [
      code(
        `let outcome;\ntry { outcome = await llm_query("x".repeat(${characters})) } catch (error) { outcome = error.name + ": " + error.message }\nFINAL(outcome)`,
      ),
    ],
  });
  const subModel = windowedSubModel();
  const result = await quickjsRLM({
    model,
    subModel,
    ...(subMaxOutputTokens !== undefined ? { subMaxOutputTokens } : {}),
  }).completion('q', { context: 'c' });
  const subCall = result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!;
  return { answer: result.answer, sent: subModel.calls.length, subCall, result };
}

describe('the context-window check of a sub-call reserves room for the answer', () => {
  // 32,000 tokens, less the default reserve of 1,024 output tokens: 30,976 tokens of 4 characters.
  const fits = 30_976 * 4;

  it('sends a prompt that leaves exactly the default output reserve free', async () => {
    const { answer, sent, subCall } = await sendPromptOf(fits);
    expect(sent).toBe(1);
    expect(answer).toBe(`got ${fits}`);
    expect(subCall.error).toBeUndefined();
  });

  it('refuses one character more, before sending, recorded as a ContextWindowExceededError', async () => {
    const { answer, sent, subCall, result } = await sendPromptOf(fits + 1);
    expect(sent).toBe(0);
    expect(answer).toMatch(
      /^Error: llm_query: the prompt is 123,905 characters \(~30,977 tokens\), but 'sub' takes at most 32,000 tokens\. Nothing was sent\./,
    );
    expect(subCall.error?.name).toBe('ContextWindowExceededError');
    expect(result.failedSubCalls).toMatchObject({ count: 1, total: 1 });
  });

  it('reserves subMaxOutputTokens instead when it is set, on both sides of the boundary', async () => {
    // 32,000 - 4,000 = 28,000 tokens = 112,000 characters.
    const under = await sendPromptOf(112_000, 4_000);
    expect(under.sent).toBe(1);
    const over = await sendPromptOf(112_001, 4_000);
    expect(over.sent).toBe(0);
    expect(over.subCall.error?.name).toBe('ContextWindowExceededError');
  });

  it('the error thrown is a real ContextWindowExceededError, with the window and the prompt size', async () => {
    const model = new MockLanguageModel({
      responses: [code('const r = await llm_query("x".repeat(200000))'), 'No answer.'],
    });
    const events: unknown[] = [];
    const run = quickjsRLM({ model, subModel: windowedSubModel(), limits: { maxTurns: 1 } });
    const stream = run.stream('q', { context: 'c' });
    for await (const event of stream) events.push(event);
    const end = events.find(
      (event): event is { type: 'sub-call-end'; error?: { name: string } } =>
        (event as { type: string }).type === 'sub-call-end',
    );
    expect(end?.error?.name).toBe('ContextWindowExceededError');
    const error = new ContextWindowExceededError({ modelId: 'm', contextWindow: 10, promptTokens: 20 });
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(RLMError.isInstance(error)).toBe(true);
    expect(ContextWindowExceededError.isInstance(new Error(error.message))).toBe(false);
  });
});

describe('maxTokens stops the run when the tokens used reach it (>=), not only when they pass it', () => {
  /** A root model whose every call reports `tokensPerCall` tokens and whose code never finishes. */
  function rootSpending(tokensPerCall: number) {
    return new MockLanguageModel({
      responses: () => ({
        text: code('console.log("working")', 'Still working.'),
        usage: { inputTokens: tokensPerCall - 10, outputTokens: 10 },
      }),
    });
  }

  it('with exactly the limit used, no further call is sent', async () => {
    const model = rootSpending(1_000);
    const error = await quickjsRLM({ model, limits: { maxTokens: 1_000, maxTurns: 5 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect(LimitExceededError.isInstance(error)).toBe(true);
    expect((error as LimitExceededError).limit).toBe('maxTokens');
    expect((error as LimitExceededError).limitValue).toBe(1_000);
    expect((error as LimitExceededError).message).toContain(
      'The run used 1000 tokens, reaching its limit of 1000',
    );
    expect(model.calls).toHaveLength(1);
    expect((error as LimitExceededError).trajectory?.usage?.total.inputTokens).toBe(990);
  });

  it('with one token less used, the next call is sent', async () => {
    const model = rootSpending(999);
    const error = await quickjsRLM({ model, limits: { maxTokens: 1_000, maxTurns: 5 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxTokens');
    expect(model.calls).toHaveLength(2);
    expect((error as LimitExceededError).message).toContain('The run used 1998 tokens');
  });

  it('maxCostUsd likewise: reaching the limit exactly stops the next call', async () => {
    const model = new MockLanguageModel({
      responses: () => code('console.log(1)'),
      costOf: () => 0.25,
    });
    const error = await quickjsRLM({ model, limits: { maxCostUsd: 0.5, maxTurns: 5 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxCostUsd');
    expect(model.calls).toHaveLength(2);
    expect((error as LimitExceededError).trajectory?.usage?.total.costUsd).toBe(0.5);
  });
});

describe('the partial answer of a stopped run', () => {
  it('is the last reply that answers, not an earlier one', async () => {
    const model = new MockLanguageModel({
      responses: [
        { text: 'Probably 41.', usage: { inputTokens: 100, outputTokens: 10 } },
        { text: 'The answer is 42.', usage: { inputTokens: 100, outputTokens: 10 } },
        { text: 'never sent', usage: { inputTokens: 100, outputTokens: 10 } },
      ],
    });
    const error = await quickjsRLM({ model, limits: { maxTokens: 220, maxTurns: 5 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxTokens');
    expect(model.calls).toHaveLength(2);
    expect((error as LimitExceededError).partialAnswer).toBe('The answer is 42.');
    expect((error as LimitExceededError).trajectory?.answer).toBe('The answer is 42.');
  });

  it('is none when the last reply is a step of the work, even if an earlier one answered', async () => {
    const model = new MockLanguageModel({
      responses: [
        { text: 'The answer is 42.', usage: { inputTokens: 100, outputTokens: 10 } },
        {
          text: code('console.log(context.length)', 'Checking once more.'),
          usage: { inputTokens: 100, outputTokens: 10 },
        },
      ],
    });
    const error = await quickjsRLM({ model, limits: { maxTokens: 220, maxTurns: 5 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxTokens');
    expect((error as LimitExceededError).partialAnswer).toBeUndefined();
  });

  it('prefers a FINAL the code recorded over the reply, when the run stopped in that same cell', async () => {
    // The cell records FINAL, then waits on a sub-call that outlives the run's time: the run stops
    // inside that cell, and the value FINAL recorded is the partial answer, not the reply's prose.
    const model = new MockLanguageModel({
      responses: [code('FINAL("recorded");\nawait llm_query("slow")', 'The answer is in plain words here.')],
    });
    const subModel = new MockLanguageModel({ responses: () => 'late', latencyMs: 10_000 });
    const error = await quickjsRLM({ model, subModel, limits: { timeoutMs: 500 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('timeoutMs');
    expect((error as LimitExceededError).partialAnswer).toBe('recorded');
  });
});

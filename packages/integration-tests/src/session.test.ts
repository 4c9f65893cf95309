import {
  createRLM,
  LimitExceededError,
  type ReplEnvironment,
  type RLMEvent,
  SandboxError,
  trajectoryToJsonl,
} from '@rlm/core';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { code, quickjsRLM, scriptedModels } from './fixtures';

const LINES = ['apple red', 'banana yellow', 'cherry red', 'lime green'].join('\n');

/** The text of every message a root call was sent, one string. */
const sent = (request: MockRequest | undefined) =>
  request!.messages.map((message) => message.content).join('\n');

describe('rlm.session', () => {
  it('answers a second question from a variable the first computed, without redoing its sub-calls', async () => {
    const { model, subModel } = scriptedModels(
      [
        code(
          'const colours = await llm_query_batched(context.split("\\n").map((line) => "colour of " + line));\nFINAL(colours.length)',
        ),
        code('FINAL(colours.filter((c) => c.includes("red")).length)'),
      ],
      (prompt) => prompt.split(' ').at(-1)!,
    );
    const rlm = quickjsRLM({ model, subModel });
    await using chat = rlm.session({ context: LINES });
    expect((await chat.completion('How many lines?')).answer).toBe('4');
    expect(subModel.calls).toHaveLength(4);
    const second = await chat.completion('How many are red?');
    expect(second.answer).toBe('2');
    expect(subModel.calls).toHaveLength(4);
    expect(second.usage.total.calls).toBe(1);
    expect(chat.usage.total.calls).toBe(1 + 4 + 1);
    expect(chat.history).toEqual([
      { question: 'How many lines?', answer: '4' },
      { question: 'How many are red?', answer: '2' },
    ]);
  });

  it('adds a new context as context_1, keeps context, and holds the questions and answers in history', async () => {
    const { model, subModel } = scriptedModels([
      code('FINAL(context.length)'),
      code(
        'FINAL(JSON.stringify([context.length, context_1, history.length, history[0].question, history[0].answer]))',
      ),
      code('FINAL(JSON.stringify([context_1, context_2.n, history.length]))'),
    ]);
    const rlm = quickjsRLM({ model, subModel });
    const chat = rlm.session({ context: LINES });
    await chat.completion('Length?');
    const second = await chat.completion('What is new?', { context: 'extra text' });
    expect(JSON.parse(second.answer)).toEqual([
      LINES.length,
      'extra text',
      1,
      'Length?',
      String(LINES.length),
    ]);
    const third = await chat.completion('And now?', { context: { n: 3 } });
    expect(JSON.parse(third.answer)).toEqual(['extra text', 3, 2]);
    // The second question's opening message describes the new context under its own name.
    const opening = model.calls[1]!.messages.at(-1)!.content;
    expect(opening).toContain('The variable `context_1` is a string of 10 characters');
    expect(opening).toContain('question 2 of this session');
    await chat.dispose();
  });

  it("sends the root model question 1 and its answer for question 2, but not question 1's cells", async () => {
    const { model, subModel } = scriptedModels([
      code('const secret = "cell-only-marker"; console.log(secret)'),
      code('FINAL("first answer")'),
      code('FINAL("second answer")'),
    ]);
    const rlm = quickjsRLM({ model, subModel });
    await using chat = rlm.session({ context: LINES });
    await chat.completion('First question?');
    await chat.completion('Second question?');
    const messages = model.calls[2]!.messages;
    const text = sent(model.calls[2]);
    expect(text).toContain('First question?');
    expect(messages.some((m) => m.role === 'assistant' && m.content.includes('first answer'))).toBe(true);
    expect(text).not.toContain('cell-only-marker');
    expect(messages[0]!.content).toContain('The REPL outlives each question');
    expect(messages.at(-1)!.content).toContain('Second question?');
  });

  it('stops question 3 once questions 1 and 2 spent the session-wide maxCostUsd', async () => {
    const model = new MockLanguageModel({
      modelId: 'root',
      responses: [
        { text: code('FINAL("one")'), costUsd: 0.6 },
        { text: code('FINAL("two")'), costUsd: 0.6 },
        { text: code('FINAL("three")'), costUsd: 0.6 },
      ],
    });
    const rlm = quickjsRLM({ model });
    await using chat = rlm.session({ context: LINES, limits: { maxCostUsd: 1 } });
    expect((await chat.completion('q1')).answer).toBe('one');
    expect((await chat.completion('q2')).answer).toBe('two');
    const third = await chat.completion('q3').catch((error: unknown) => error);
    expect(LimitExceededError.isInstance(third)).toBe(true);
    expect((third as LimitExceededError).limit).toBe('maxCostUsd');
    expect((third as Error).message).toMatch(/session limits\.maxCostUsd/);
    expect(model.calls).toHaveLength(2);
    expect(chat.usage.total.costUsd).toBeCloseTo(1.2);
  });

  it('counts sub-calls across the session for a session-wide maxSubCalls', async () => {
    const { model, subModel } = scriptedModels([
      code('FINAL((await llm_query_batched(["a", "b", "c"])).length)'),
      code('FINAL("never sent")'),
    ]);
    const rlm = quickjsRLM({ model, subModel });
    await using chat = rlm.session({ context: LINES, limits: { maxSubCalls: 3 } });
    expect((await chat.completion('three sub-calls')).answer).toBe('3');
    await expect(chat.completion('one more')).rejects.toThrow(/session limits\.maxSubCalls/);
    expect(model.calls).toHaveLength(1);
  });

  it('says clearly when the environment cannot add values to a running REPL', async () => {
    const { model, subModel } = scriptedModels([code('FINAL(1)'), code('FINAL(2)')]);
    const quickjs = createQuickJSEnvironment();
    const environment: ReplEnvironment = {
      specificationVersion: 'v1',
      environmentId: 'no-add',
      language: 'javascript',
      async createSession(options) {
        const session = await quickjs.createSession(options);
        return { runCell: session.runCell.bind(session), dispose: session.dispose.bind(session) };
      },
    };
    const rlm = createRLM({ model, subModel, environment });
    await using chat = rlm.session({ context: LINES });
    await expect(chat.completion('first')).rejects.toThrow(/cannot add values to a running REPL/);
  });

  it('gives a typed answer to a question with a schema; history keeps its text', async () => {
    const { model, subModel } = scriptedModels([
      code('const counted = { red: 2, total: 4 }; FINAL("done")'),
      code('FINAL(counted)'),
    ]);
    const rlm = quickjsRLM({ model, subModel });
    await using chat = rlm.session({ context: LINES });
    await chat.completion('Count.');
    const counts = z.object({ red: z.number(), total: z.number() });
    const typed = await chat.completion('Give the counts.', { schema: counts });
    expect(typed.answer).toEqual({ red: 2, total: 4 });
    expectTypeOf(typed.answer).toEqualTypeOf<{ red: number; total: number }>();
    expect(JSON.parse(chat.history[1]!.answer)).toEqual({ red: 2, total: 4 });
  });

  it('refuses a tool whose name a session uses for its variables', () => {
    const { model } = scriptedModels([]);
    const rlm = quickjsRLM({
      model,
      tools: [
        { name: 'history', description: 'x', parameters: { type: 'object' }, execute: async () => null },
      ],
    });
    expect(() => rlm.session()).toThrow(/Tool name 'history' is taken in a session/);
  });

  it('releases the REPL on dispose; a later completion rejects clearly', async () => {
    const { model, subModel } = scriptedModels([code('FINAL(1)'), code('FINAL(2)')]);
    let disposedSessions = 0;
    // One REPL for the whole session, disposed once, at the end.
    const environment = countingEnvironment(createQuickJSEnvironment(), () => disposedSessions++);
    const rlm = createRLM({ model, subModel, environment });
    const chat = rlm.session({ context: LINES });
    await chat.completion('a');
    await chat.completion('b');
    expect(disposedSessions).toBe(0);
    await chat.dispose();
    expect(disposedSessions).toBe(1);
    await chat.dispose();
    await expect(chat.completion('c')).rejects.toSatisfy(
      (error: unknown) => SandboxError.isInstance(error) && /disposed/.test((error as Error).message),
    );
  });

  it('runs questions one at a time: a second completion waits for the first', async () => {
    const { model, subModel } = scriptedModels([
      code('await new Promise((resolve) => setTimeout(resolve, 1));'),
      code('globalThis.order = ["first"]; FINAL("first")'),
      code('order.push("second"); FINAL(order.join(","))'),
    ]);
    const rlm = quickjsRLM({ model, subModel });
    await using chat = rlm.session({ context: LINES });
    const [first, second] = await Promise.all([chat.completion('one'), chat.completion('two')]);
    expect(first.answer).toBe('first');
    expect(second.answer).toBe('first,second');
  });

  it('streams a question, and a question aborted by its signal leaves the session usable', async () => {
    const { model, subModel } = scriptedModels([
      code('const first = 1; FINAL(first)'),
      code('await new Promise(() => {});'),
      code('FINAL(first + 1)'),
    ]);
    const rlm = quickjsRLM({ model, subModel, cellTimeoutMs: 30_000 });
    await using chat = rlm.session({ context: LINES });
    const stream = chat.stream('one');
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect((await stream.result).answer).toBe('1');
    expect(types[0]).toBe('run-start');
    expect(types.at(-1)).toBe('run-end');
    const controller = new AbortController();
    const aborted = chat.completion('two', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(aborted).rejects.toThrow();
    expect((await chat.completion('three')).answer).toBe('2');
    expect(chat.trajectories).toHaveLength(3);
    expect(chat.history.map((exchange) => exchange.question)).toEqual(['one', 'three']);
  });

  it('records every question in order, with the session id, as JSONL', async () => {
    const { model, subModel } = scriptedModels([code('FINAL(JSON.stringify(history))'), code('FINAL("b")')]);
    const rlm = quickjsRLM({ model, subModel });
    await using chat = rlm.session({ context: LINES });
    // The first question already has `history`, empty.
    expect((await chat.completion('first')).answer).toBe('[]');
    await chat.completion('second');
    expect(chat.trajectories.map((trajectory) => trajectory.session)).toEqual([
      { sessionId: chat.sessionId, question: 1 },
      { sessionId: chat.sessionId, question: 2 },
    ]);
    expect(chat.trajectories.map((trajectory) => trajectory.metadata.question)).toEqual(['first', 'second']);
    for (const trajectory of chat.trajectories) expect(trajectoryToJsonl(trajectory)).toContain('"metadata"');
    // A question ran on the REPL its predecessors left: it cannot be resumed alone.
    await expect(rlm.resume(chat.trajectories[1]!, { context: LINES })).rejects.toThrow(
      /question 2 of a session/,
    );
  });

  it('compacts the earlier questions near the context window, and the next question goes on from the summary', async () => {
    const longAnswer = 'a long answer. '.repeat(1_000);
    const events: RLMEvent[] = [];
    const model = new MockLanguageModel({
      modelId: 'root',
      contextWindow: 9_000,
      responses: (request) => {
        if (request.messages[0]!.content.startsWith('You condense')) return 'SUMMARY: q1 and q2 were long.';
        const last = request.lastMessage;
        if (last.includes('q1?')) return code(`FINAL(${JSON.stringify(`${longAnswer}1`)})`);
        if (last.includes('q2?')) return code(`FINAL(${JSON.stringify(`${longAnswer}2`)})`);
        return code('FINAL(JSON.stringify([history.length, history[1].answer.length]))');
      },
    });
    const rlm = quickjsRLM({ model });
    await using chat = rlm.session({ context: LINES, onEvent: (event) => events.push(event) });
    await chat.completion('q1?');
    await chat.completion('q2?');
    expect(events.filter((event) => event.type === 'compaction')).toHaveLength(0);
    const third = await chat.completion('q3?');
    const compactions = events.filter((event) => event.type === 'compaction');
    expect(compactions).toHaveLength(1);
    const compaction = compactions[0]!;
    expect(compaction).toMatchObject({ scope: 'session', from: 1, to: 2, messagesReplaced: 4 });
    expect(compaction.tokensSaved).toBeGreaterThan(7_000);
    expect(compaction.tokensSaved).toBe(compaction.tokensBefore - compaction.tokensAfter);
    expect(compaction.tokensBefore).toBeGreaterThan(compaction.thresholdTokens);
    // The summary, not the answers, went to the next root call; the REPL still has the full text.
    const rootCall = model.calls.at(-1)!;
    expect(sent(rootCall)).toContain('SUMMARY: q1 and q2 were long.');
    expect(sent(rootCall)).not.toContain(longAnswer);
    expect(JSON.parse(third.answer)).toEqual([2, longAnswer.length + 1]);
    expect(third.trajectory.session?.compactions).toEqual([
      expect.objectContaining({ scope: 'session', beforeTurn: 1, summary: 'SUMMARY: q1 and q2 were long.' }),
    ]);
    expect(trajectoryToJsonl(third.trajectory)).toContain('SUMMARY: q1 and q2 were long.');
    expect(third.usage.byModel['mock:root']?.calls ?? third.usage.total.calls).toBe(2);
  });

  it("compacts a long question's earlier turns, keeping the last one whole, and the run answers", async () => {
    const events: RLMEvent[] = [];
    const model = new MockLanguageModel({
      modelId: 'root',
      contextWindow: 12_000,
      responses: (request) => {
        if (request.messages[0]!.content.startsWith('You condense')) return 'SUMMARY: parts 1-2 printed.';
        const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
        if (turn <= 3 && !sent(request).includes('SUMMARY')) {
          return code(`const part${turn} = ${turn}; console.log("${'x'.repeat(8_000)}" + part${turn})`);
        }
        return code('FINAL(part1 + part2 + part3)');
      },
    });
    const rlm = quickjsRLM({ model });
    await using chat = rlm.session({ context: LINES, onEvent: (event) => events.push(event) });
    const result = await chat.completion('Add the parts.');
    expect(result.answer).toBe('6');
    const compactions = events.filter((event) => event.type === 'compaction');
    expect(compactions.length).toBeGreaterThanOrEqual(1);
    expect(compactions[0]).toMatchObject({ scope: 'run', from: 1 });
    expect(result.trajectory.session?.compactions?.[0]).toMatchObject({ scope: 'run', from: 1 });
    expect(compactions[0]!.tokensSaved).toBeGreaterThan(1_000);
    const last = model.calls.at(-1)!;
    expect(sent(last)).toContain('SUMMARY: parts 1-2 printed.');
    // The last turn before the summary-backed call is still there, whole.
    expect(last.messages.filter((message) => message.role === 'assistant')).toHaveLength(1);
    const roles = last.messages.map((message) => message.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('reports a REPL that lost its state rather than inventing the variables of earlier questions', async () => {
    const { model, subModel } = scriptedModels([
      code('const kept = 41; FINAL(kept)'),
      code('const buffers = []; while (true) buffers.push(new Uint8Array(1024 * 1024));'),
      code('FINAL(typeof kept + "," + history[0].answer)'),
      code('FINAL(typeof kept)'),
    ]);
    const rlm = createRLM({
      model,
      subModel,
      environment: createQuickJSEnvironment({ memoryLimitBytes: 32 * 1024 * 1024 }),
    });
    await using chat = rlm.session({ context: LINES });
    await chat.completion('Keep a number.');
    const second = await chat.completion('Fill the memory, then check.');
    // The model was told in the feedback, and the variable is gone, not made up.
    expect(model.calls[2]!.messages.at(-1)!.content).toMatch(/gone/);
    expect(second.answer).toBe('undefined,41');
    const stateLost = second.trajectory.iterations[0]!.codeBlocks[0]!.result!.stateLost;
    expect(stateLost).toBeDefined();
    await chat.completion('Is it back?');
    expect(sent(model.calls[3])).toContain('The REPL was restarted during an earlier question');
  }, 60_000);
});

/** QuickJS, counting the disposals of its sessions. */
function countingEnvironment(quickjs: ReplEnvironment, onDispose: () => void): ReplEnvironment {
  return {
    specificationVersion: quickjs.specificationVersion,
    environmentId: quickjs.environmentId,
    language: quickjs.language,
    async createSession(options) {
      const session = await quickjs.createSession(options);
      const dispose = session.dispose.bind(session);
      const addContext = session.addContext?.bind(session);
      return {
        runCell: session.runCell.bind(session),
        ...(addContext ? { addContext } : {}),
        dispose: async () => {
          onDispose();
          await dispose();
        },
      };
    },
  };
}

import {
  APICallError,
  ContextWindowExceededError,
  InvalidArgumentError,
  type LimitExceededError,
  parseTrajectoryJsonl,
  type RLMEvent,
  RunAbortedError,
  trajectoryToJsonl,
  UnsupportedSpecificationError,
} from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, it, vi } from 'vitest';
import { code, quickjsRLM, scriptedModels } from './fixtures';

describe('the prompt', () => {
  it('lists the REPL functions and tools, describes the context and warns against answering at once', async () => {
    const { model, subModel } = scriptedModels([code('FINAL("done")')]);
    const rlm = quickjsRLM({
      model,
      subModel,
      tools: [
        {
          name: 'search',
          description: 'Finds lines that match a query.',
          parameters: { type: 'object', properties: { query: { type: 'string' } } },
          execute: async () => [],
        },
      ],
    });
    const documents = ['alpha '.repeat(200), 'beta', 'gamma'];
    await rlm.completion('What is in there?', { context: documents });
    const [system, user] = model.calls[0]!.messages;
    expect(system!.role).toBe('system');
    for (const name of [
      'llm_query',
      'llm_query_batched',
      'rlm_query',
      'rlm_query_batched',
      'FINAL',
      'FINAL_VAR',
      'SHOW_VARS',
      'search',
    ]) {
      expect(system!.content).toContain(name);
    }
    expect(system!.content).toContain('Finds lines that match a query.');
    expect(user!.content).toContain('list of 3 strings');
    expect(user!.content).toContain(`${(1200 + 4 + 5).toLocaleString('en-US')} characters`);
    expect(user!.content).toContain('1200, 4, 5');
    expect(user!.content).toContain('What is in there?');
    expect(user!.content).toContain('do not answer yet');
  });
});

describe('turns and cells', () => {
  it('runs every block in order in one persistent session and shows each output', async () => {
    const { model, subModel } = scriptedModels([
      `Two blocks.\n\`\`\`javascript\nlet lines = context.split('\\n');\nconsole.log(lines.length)\n\`\`\`\nand\n\`\`\`js\nfunction count(word) { return lines.filter((line) => line.includes(word)).length }\ncount('b')\n\`\`\``,
      code('const total = count("a") + count("b");\nFINAL_VAR("total")'),
    ]);
    const result = await quickjsRLM({ model, subModel }).completion('count', { context: 'a\nb\nab\nc' });
    expect(result.answer).toBe('4');
    expect(result.answerSource).toBe('FINAL_VAR');
    expect(result.turns).toBe(2);
    const feedback = model.calls[1]!.lastMessage;
    const tag = /^\[rlm-[0-9a-f]{12}\]/.exec(feedback)![0];
    expect(feedback).toContain(`${tag} Output of block 1:\n4`);
    expect(feedback).toContain(`${tag} Output of block 2:\n${tag} value of the last expression:\n2`);
    expect(feedback).toContain(`${tag} Turn 1/30`);
  });

  it('caps what the model sees of a long output, keeping head and tail and the full length', async () => {
    const { model, subModel } = scriptedModels([
      code('console.log("START" + "x".repeat(50000) + "END")'),
      code('FINAL("ok")'),
    ]);
    await quickjsRLM({ model, subModel, maxOutputChars: 1000 }).completion('q', { context: 'c' });
    const feedback = model.calls[1]!.lastMessage;
    expect(feedback).toContain('START');
    expect(feedback).toContain('END');
    expect(feedback).toContain('the output was 50,008 characters');
    expect(feedback.length).toBeLessThan(1600);
  });

  it('shows a failing cell its error with the line, keeps the session, and keeps going', async () => {
    const { model, subModel } = scriptedModels([
      code('const kept = 41;\n\nnull.boom'),
      code('FINAL(kept + 1)'),
    ]);
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(model.calls[1]!.lastMessage).toMatch(/\[runtime error \(line 3\)\]\nTypeError/);
    expect(result.answer).toBe('42');
  });

  it('restores reserved names that the model overwrote', async () => {
    const { model, subModel } = scriptedModels([
      code('llm_query = null; context = "clobbered"; FINAL = 1;'),
      code('const answer = await llm_query("hi"); FINAL(answer + " " + context)'),
    ]);
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'original' });
    expect(result.answer).toBe('sub:hi original');
  });

  it('tells the model when a reply has no code, and when it was cut off', async () => {
    const { model, subModel } = scriptedModels([
      'I think the answer is probably 12, but let me plan first.',
      { text: '```javascript\nconst a = [1, 2,', finishReason: 'length' },
      code('FINAL(12)'),
    ]);
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(model.calls[1]!.lastMessage).toContain('had no ```javascript code block');
    expect(model.calls[2]!.lastMessage).toContain('cut off at the output-token limit');
    expect(result.answer).toBe('12');
  });
});

describe('FINAL and FINAL_VAR (the reference library bugs)', () => {
  it('FINAL_VAR returns the value of the variable, not its name or a tuple', async () => {
    const { model, subModel } = scriptedModels([
      code('const result = { count: 3, users: ["a", "b"] };\nFINAL_VAR("result")'),
    ]);
    const { answer } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(JSON.parse(answer)).toEqual({ count: 3, users: ['a', 'b'] });
  });

  it('FINAL(x) inside a code fence gives the value of x, not the text "x"', async () => {
    const { model, subModel } = scriptedModels([code('const x = "the real answer";\nFINAL(x)')]);
    const { answer, answerSource } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(answer).toBe('the real answer');
    expect(answerSource).toBe('FINAL');
  });

  it('FINAL_VAR mentioned mid-sentence in a reply without code is found, and gives the value', async () => {
    const { model, subModel } = scriptedModels([
      code('var summary = "three errors per hour"; console.log("stored")'),
      'I stored the result, so my answer is FINAL_VAR(summary) as computed above.',
    ]);
    const { answer, answerSource } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(answer).toBe('three errors per hour');
    expect(answerSource).toBe('text');
  });

  it('a plan written as prose is not taken as the answer', async () => {
    const { model, subModel } = scriptedModels([
      'Plan: I will split the context, count the labels, then call FINAL(answer) with the count.',
      'FINAL(answer)',
      code('const answer = 7; FINAL(answer)'),
    ]);
    const { answer, turns } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(answer).toBe('7');
    expect(turns).toBe(3);
    expect(model.calls[2]!.lastMessage).toContain('was not accepted');
  });

  it('accepts a text FINAL of plain words at the start of a line', async () => {
    const { model, subModel } = scriptedModels([
      code('console.log(context.length)'),
      'FINAL(The capital is Paris)',
    ]);
    const { answer, answerSource } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(answer).toBe('The capital is Paris');
    expect(answerSource).toBe('text');
  });

  it('stops running blocks after the one that called FINAL', async () => {
    const { model, subModel } = scriptedModels([
      `\`\`\`javascript\nFINAL("first")\n\`\`\`\n\`\`\`javascript\nFINAL("second")\n\`\`\``,
    ]);
    const { answer, trajectory } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(answer).toBe('first');
    expect(trajectory.iterations[0]!.codeBlocks[1]!.result).toBeUndefined();
  });
});

describe('sub-calls and recursion', () => {
  it('routes llm_query to the sub-model and a named model on request', async () => {
    const fast = new MockLanguageModel({ responses: () => 'fast answer', modelId: 'fast' });
    const { model, subModel } = scriptedModels([
      code('const a = await llm_query("one"); const b = await llm_query("two", "fast"); FINAL(a + "|" + b)'),
    ]);
    const { answer, usage } = await quickjsRLM({ model, subModel, models: { fast } }).completion('q', {
      context: 'c',
    });
    expect(answer).toBe('sub:one|fast answer');
    expect(Object.keys(usage.byModel).sort()).toEqual(['mock:fast', 'mock:root', 'mock:sub']);
    expect(usage.byModel['mock:sub']!.calls).toBe(1);
  });

  it('runs llm_query_batched concurrently under the concurrency cap', async () => {
    const model = new MockLanguageModel({
      responses: [
        code(
          'const answers = await llm_query_batched(Array.from({ length: 12 }, (_, i) => "item " + i));\nFINAL(answers.join(","))',
        ),
      ],
    });
    const subModel = new MockLanguageModel({
      responses: (request) => request.lastMessage.toUpperCase(),
      latencyMs: 30,
    });
    const { answer } = await quickjsRLM({ model, subModel, maxConcurrency: 4 }).completion('q', {
      context: 'c',
    });
    expect(answer).toBe(Array.from({ length: 12 }, (_, i) => `ITEM ${i}`).join(','));
    expect(subModel.peakConcurrency).toBe(4);
  });

  it('rejects an oversized sub-call prompt inside the REPL before sending anything', async () => {
    const { model, subModel } = scriptedModels([
      code('try { await llm_query("x".repeat(500000)) } catch (error) { console.log(error.message) }'),
      code('FINAL("ok")'),
    ]);
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(subModel.calls).toHaveLength(0);
    expect(model.calls[1]!.lastMessage).toMatch(
      /500,000 characters .* takes at most 32,000 tokens\. Nothing was sent/,
    );
    const refused = result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!;
    expect(refused.error?.name).toBe(ContextWindowExceededError.name);
    expect(result.failedSubCalls).toMatchObject({ count: 1, total: 1 });
  });

  it('cancels the sub-calls of a cell that timed out, and the run goes on', async () => {
    const model = new MockLanguageModel({
      responses: [code('const slow = await llm_query("take your time")'), code('FINAL("moved on")')],
    });
    const subModel = new MockLanguageModel({ responses: () => 'too late', latencyMs: 20_000 });
    const started = performance.now();
    const result = await quickjsRLM({ model, subModel, cellTimeoutMs: 300 }).completion('q', {
      context: 'c',
    });
    expect(result.answer).toBe('moved on');
    expect(model.calls[1]!.lastMessage).toContain('[timeout error');
    expect(performance.now() - started).toBeLessThan(5_000);
    await vi.waitFor(() => expect(subModel.calls[0]!.error).toBeDefined());
    expect(result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!.error?.message).toMatch(
      /ended before the call finished/,
    );
  });

  it('rlm_query at the last depth is a plain call to the sub-model', async () => {
    const { model, subModel } = scriptedModels([code('FINAL(await rlm_query("summarise", "some text"))')]);
    const { answer, trajectory } = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(answer).toBe('sub:summarise\n\nsome text');
    expect(trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]).toMatchObject({
      kind: 'rlm',
      prompt: 'summarise\n\nsome text',
    });
  });

  it('rlm_query below maxDepth runs a child RLM in a fresh session with its own context', async () => {
    const model = new MockLanguageModel({
      responses: [
        code(
          'const parentOnly = 1;\nconst child = await rlm_query("How long is it?", "abcdef");\nFINAL("child said " + child)',
        ),
      ],
      modelId: 'root',
    });
    const subModel = new MockLanguageModel({
      modelId: 'sub',
      responses: (request) => {
        if (request.messages[0]?.role === 'system') {
          // The child's root turn: its own REPL, where the parent's variables do not exist.
          return code('FINAL(String(context.length) + ":" + typeof parentOnly)');
        }
        return 'unexpected plain call';
      },
    });
    const events: RLMEvent[] = [];
    const { answer, trajectory, usage } = await quickjsRLM({
      model,
      subModel,
      limits: { maxDepth: 2 },
    }).completion('q', {
      context: 'parent context',
      onEvent: (event) => events.push(event),
    });
    expect(answer).toBe('child said 6:undefined');
    const childStart = events.find((event) => event.type === 'run-start' && event.depth === 1);
    expect(childStart).toMatchObject({ parentRunId: trajectory.runId, question: 'How long is it?' });
    const child = trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!.child!;
    expect(child.depth).toBe(1);
    expect(child.answer).toBe('6:undefined');
    expect(usage.byModel['mock:sub']!.calls).toBe(1);
  });
});

describe('limits', () => {
  it('asks once for the best answer when the turns run out, and says so', async () => {
    const { model, subModel } = scriptedModels([
      code('console.log(1)'),
      code('console.log(2)'),
      'My best answer is 3.',
    ]);
    const result = await quickjsRLM({ model, subModel, limits: { maxTurns: 2 } }).completion('q', {
      context: 'c',
    });
    expect(result.answer).toBe('My best answer is 3.');
    expect(result.answerSource).toBe('max-turns-fallback');
    expect(model.calls[2]!.lastMessage).toContain('You have used all your turns');
  });

  it('maxSubCalls fails only the sub-calls over it, which the model sees fail, and the run goes on', async () => {
    const { model, subModel } = scriptedModels([
      code('const first = await llm_query("a"); console.log(first)'),
      code('await llm_query("b"); try { await llm_query("c") } catch (error) { console.log(error.message) }'),
      code('FINAL("with what I have")'),
    ]);
    const result = await quickjsRLM({ model, subModel, limits: { maxSubCalls: 2 } }).completion('q', {
      context: 'c',
    });
    expect(result.answer).toBe('with what I have');
    expect(subModel.calls).toHaveLength(2);
    expect(model.calls[2]!.lastMessage).toContain(
      'Not sent: the run already made 2 sub-calls, its limit (limits.maxSubCalls).',
    );
    expect(result.failedSubCalls.count).toBe(1);
    expect(result.failedSubCalls.total).toBe(3);
  });

  it('a provider error mid-run still carries the trajectory and the partial answer', async () => {
    const model = new MockLanguageModel({
      responses: [
        code('const found = 3; console.log(found)', 'Counting first.'),
        new APICallError({ provider: 'mock', message: 'Service unavailable', statusCode: 503 }),
      ],
    });
    const error = await quickjsRLM({ model })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).trajectory?.iterations).toHaveLength(1);
    expect((error as APICallError).trajectory?.error?.message).toBe('Service unavailable');
    // 'Counting first.' came with code: a step of the work, not an answer (issue 13).
    expect((error as APICallError).partialAnswer).toBeUndefined();
  });

  it('maxTokens and maxCostUsd count the whole tree', async () => {
    const tokens = scriptedModels([
      code('await llm_query("a")'),
      code('await llm_query("b")'),
      code('FINAL(1)'),
    ]);
    tokens.subModel.calls.length = 0;
    const tokenError = await quickjsRLM({ ...tokens, limits: { maxTokens: 1500 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((tokenError as LimitExceededError).limit).toBe('maxTokens');

    const model = new MockLanguageModel({
      responses: () => code('await llm_query("a")'),
      costOf: () => 0.01,
    });
    const subModel = new MockLanguageModel({ responses: () => 'x', costOf: () => 0.02 });
    const costError = await quickjsRLM({ model, subModel, limits: { maxCostUsd: 0.1 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((costError as LimitExceededError).limit).toBe('maxCostUsd');
    expect((costError as LimitExceededError).trajectory?.usage?.total.costUsd).toBeGreaterThanOrEqual(0.1);
  });

  it('a child gets only what is left of its parent budget', async () => {
    const model = new MockLanguageModel({
      responses: [code('await llm_query("1"); await llm_query("2");\nFINAL(await rlm_query("go", "ctx"))')],
    });
    const subModel = new MockLanguageModel({
      responses: (request) =>
        request.messages[0]?.role === 'system'
          ? code('FINAL((await llm_query_batched(["3", "4"])).join(" | "))')
          : 'ok',
    });
    const result = await quickjsRLM({ model, subModel, limits: { maxDepth: 2, maxSubCalls: 4 } }).completion(
      'q',
      { context: 'c' },
    );
    // Two plain calls + the child itself use 3 of 4; the child's second call is the fifth.
    expect(result.answer).toMatch(/^ok \| Error: Not sent: the run already made 4 sub-calls/);
    expect(subModel.calls.filter((call) => call.messages[0]?.role !== 'system')).toHaveLength(3);
    expect(result.failedSubCalls).toMatchObject({ count: 1, total: 5 });
  });

  it('timeoutMs stops the whole run, cells and calls in flight included', async () => {
    const model = new MockLanguageModel({ responses: [code('await llm_query("slow")')] });
    const subModel = new MockLanguageModel({ responses: () => 'late', latencyMs: 10_000 });
    const started = performance.now();
    const error = await quickjsRLM({ model, subModel, limits: { timeoutMs: 300 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('timeoutMs');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('maxConsecutiveErrors ends a run whose code keeps failing', async () => {
    const model = new MockLanguageModel({ responses: () => code('undefinedFunction()') });
    const { subModel } = scriptedModels([]);
    const error = await quickjsRLM({ model, subModel, limits: { maxConsecutiveErrors: 3 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxConsecutiveErrors');
    expect(model.calls).toHaveLength(3);
  });
});

describe('cancellation', () => {
  it('an AbortSignal cancels the model calls and cells in flight', async () => {
    const model = new MockLanguageModel({ responses: [code('await llm_query_batched(["a", "b", "c"])')] });
    const subModel = new MockLanguageModel({ responses: () => 'late', latencyMs: 10_000 });
    const controller = new AbortController();
    const started = performance.now();
    const pending = quickjsRLM({ model, subModel }).completion('q', {
      context: 'c',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 200);
    const error = await pending.catch((e: unknown) => e);
    expect(RunAbortedError.isInstance(error)).toBe(true);
    expect((error as RunAbortedError).message).toContain('user pressed Ctrl-C');
    expect((error as RunAbortedError).trajectory?.iterations).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(subModel.calls.every((call) => call.error !== undefined)).toBe(true);
  });
});

describe('events, streaming, usage and trajectories', () => {
  it('streams every event and resolves the result', async () => {
    const { model, subModel } = scriptedModels([code('const a = await llm_query("x"); FINAL(a)')]);
    const stream = quickjsRLM({ model, subModel }).stream('q', { context: 'c' });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect((await stream.result).answer).toBe('sub:x');
    expect(types).toEqual([
      'run-start',
      'turn-start',
      // Each model's concurrency window, when the tree first calls it.
      'concurrency-change',
      'model-call-start',
      'model-call-end',
      'cell-start',
      'sub-call-start',
      'concurrency-change',
      'model-call-start',
      'model-call-end',
      'sub-call-end',
      'cell-end',
      'turn-end',
      'run-end',
    ]);
  });

  it('adds up usage and cost per model and writes a trajectory that reads back', async () => {
    const model = new MockLanguageModel({
      modelId: 'root',
      responses: [
        {
          text: code('const parts = await llm_query_batched(["a", "b"]);'),
          usage: { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 800 },
          costUsd: 0.01,
        },
        { text: code('FINAL_VAR("parts")'), usage: { inputTokens: 1200, outputTokens: 20 }, costUsd: 0.012 },
      ],
    });
    const subModel = new MockLanguageModel({
      modelId: 'sub',
      responses: () => ({ text: 'part', usage: { inputTokens: 10, outputTokens: 2 }, costUsd: 0.001 }),
    });
    const result = await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    expect(result.usage.byModel['mock:root']).toMatchObject({
      calls: 2,
      inputTokens: 2200,
      outputTokens: 70,
      cachedInputTokens: 800,
    });
    expect(result.usage.byModel['mock:sub']).toMatchObject({ calls: 2, inputTokens: 20, outputTokens: 4 });
    expect(result.costUsd).toBeCloseTo(0.024);
    const readBack = parseTrajectoryJsonl(trajectoryToJsonl(result.trajectory));
    expect(readBack).toEqual(JSON.parse(JSON.stringify(result.trajectory)));
    expect(readBack.iterations[0]!.codeBlocks[0]!.subCalls.map((call) => call.response)).toEqual([
      'part',
      'part',
    ]);
  });
});

describe('bad input', () => {
  it('explains what is wrong with settings and arguments', async () => {
    const { model } = scriptedModels([]);
    const environment = createQuickJSEnvironment();
    expect(() => quickjsRLM({ model: undefined as never })).toThrow(/model must be a LanguageModel/);
    expect(() => quickjsRLM({ model, limits: { maxTurns: 0 } })).toThrow(
      /limits.maxTurns must be a positive whole number/,
    );
    expect(() =>
      quickjsRLM({
        model: {
          specificationVersion: 'v9',
          provider: 'x',
          modelId: 'y',
          contextWindow: 1000,
          doGenerate: model.doGenerate,
        } as never,
        subModel: model,
      }),
    ).toThrow(UnsupportedSpecificationError);
    expect(() =>
      quickjsRLM({
        model,
        tools: [{ name: 'llm_query', description: '', parameters: {}, execute: async () => null }],
      }),
    ).toThrow(/reserved/);
    const rlm = quickjsRLM({ model });
    await expect(rlm.completion('', { context: 'c' })).rejects.toThrow(InvalidArgumentError);
    await expect(rlm.completion('q', {} as never)).rejects.toThrow(/needs a context/);
    expect(environment.environmentId).toBe('quickjs');
  });
});

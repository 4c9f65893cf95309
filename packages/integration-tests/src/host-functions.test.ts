import type { RLMEvent, RLMSettings } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/*
 * The REPL functions (llm_query, llm_query_batched, rlm_query, rlm_query_batched, tools) called from
 * a real QuickJS sandbox: what each does with good arguments, and the exact message each bad one gets,
 * since the model reads it to fix its code (issue 10: mutation testing found these unchecked).
 */

/** Runs `source` as one cell that collects what it wants into `out` and finishes with it as JSON. */
async function runCell(
  source: string,
  settings: Omit<Partial<RLMSettings>, 'subModel' | 'environment'> & { subModel?: MockLanguageModel } = {},
) {
  const model = new MockLanguageModel({
    responses: [
      code(
        `const out = [];\nconst attempt = async (f) => { try { out.push(await f()) } catch (e) { out.push("threw: " + e.message) } };\n${source}\nFINAL(JSON.stringify(out))`,
      ),
    ],
  });
  const subModel =
    settings.subModel ??
    new MockLanguageModel({ responses: (request) => `sub(${request.lastMessage})`, modelId: 'sub' });
  const events: RLMEvent[] = [];
  const result = await quickjsRLM({
    model,
    subModel,
    onEvent: (event) => events.push(event),
    ...settings,
  }).completion('q', { context: 'c' });
  return { out: JSON.parse(result.answer) as string[], result, subModel, events };
}

describe('llm_query', () => {
  it('sends the prompt to the sub-model and returns its answer', async () => {
    const { out, subModel } = await runCell('await attempt(() => llm_query("hello"))');
    expect(out).toEqual(['sub(hello)']);
    expect(subModel.calls[0]!.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it('refuses a prompt that is not a string, naming what it got', async () => {
    const { out, subModel } = await runCell(
      'await attempt(() => llm_query(42));\nawait attempt(() => llm_query(null));\nawait attempt(() => llm_query(["a"]));\nawait attempt(() => llm_query({ text: "a" }))',
    );
    const advice = 'Build the text first (e.g. with JSON.stringify or join).';
    expect(out).toEqual([
      `threw: llm_query: prompt must be a string; got number. ${advice}`,
      `threw: llm_query: prompt must be a string; got null. ${advice}`,
      `threw: llm_query: prompt must be a string; got an array. ${advice}`,
      `threw: llm_query: prompt must be a string; got object. ${advice}`,
    ]);
    expect(subModel.calls).toHaveLength(0);
  });

  it('picks a named model by name or { model }, the default for null, and explains a wrong choice', async () => {
    const fast = new MockLanguageModel({
      responses: (request) => `fast(${request.lastMessage})`,
      modelId: 'fast',
    });
    const { out } = await runCell(
      [
        'await attempt(() => llm_query("a", "fast"))',
        'await attempt(() => llm_query("b", { model: "fast" }))',
        'await attempt(() => llm_query("c", null))',
        'await attempt(() => llm_query("d", "slow"))',
        'await attempt(() => llm_query("e", 5))',
        'await attempt(() => llm_query("f", { name: "fast" }))',
      ].join(';\n'),
      { models: { fast, other: fast } },
    );
    expect(out).toEqual([
      'fast(a)',
      'fast(b)',
      'sub(c)',
      "threw: llm_query: no model named 'slow'. Available: 'fast', 'other'.",
      'threw: llm_query: the second argument must be a model name (a string).',
      'threw: llm_query: the second argument must be a model name (a string).',
    ]);
  });

  it('without named models, says that only the default exists', async () => {
    const { out } = await runCell('await attempt(() => llm_query("a", "fast"))');
    expect(out).toEqual([
      "threw: llm_query: no model named 'fast'. Only the default model is available: leave the argument out.",
    ]);
  });
});

describe('llm_query_batched', () => {
  it('answers every prompt in order; a failed item becomes "Error: …" and the others still answer', async () => {
    const subModel = new MockLanguageModel({
      responses: (request) => {
        if (request.lastMessage === 'bad') throw new Error('the sub-model broke');
        return `sub(${request.lastMessage})`;
      },
      modelId: 'sub',
    });
    const { out, result } = await runCell(
      'await attempt(async () => (await llm_query_batched(["a", "bad", "c"])).join(" | "))',
      { subModel },
    );
    expect(out).toEqual(['sub(a) | Error: the sub-model broke | sub(c)']);
    expect(result.failedSubCalls).toMatchObject({ count: 1, total: 3 });
  });

  it('refuses what is not a list of strings, naming the first bad item', async () => {
    const { out, subModel } = await runCell(
      [
        'await attempt(() => llm_query_batched("a"))',
        'await attempt(() => llm_query_batched(["a", 3]))',
        'await attempt(() => llm_query_batched(["a", "b", null]))',
        'await attempt(() => llm_query_batched(["a"], 7))',
      ].join(';\n'),
    );
    expect(out).toEqual([
      'threw: llm_query_batched: prompts must be an array of strings.',
      'threw: llm_query_batched: prompts[1] must be a string; got number.',
      'threw: llm_query_batched: prompts[2] must be a string; got null.',
      'threw: llm_query_batched: the second argument must be a model name (a string).',
    ]);
    expect(subModel.calls).toHaveLength(0);
  });

  it('an empty list is an empty answer, and nothing is sent', async () => {
    const { out, subModel } = await runCell(
      'await attempt(async () => JSON.stringify(await llm_query_batched([])))',
    );
    expect(out).toEqual(['[]']);
    expect(subModel.calls).toHaveLength(0);
  });

  it('starts more than one slice of items (200 per turn of the event loop) and answers them all', async () => {
    const { out, subModel } = await runCell(
      'await attempt(async () => (await llm_query_batched(Array.from({ length: 450 }, (_, i) => "p" + i))).at(-1))',
    );
    expect(out).toEqual(['sub(p449)']);
    expect(subModel.calls).toHaveLength(450);
  });
});

describe('rlm_query at the last depth is a plain sub-call', () => {
  it('sends the prompt alone, or the prompt and its context (text as is, data as JSON)', async () => {
    const { out, subModel, result } = await runCell(
      [
        'await attempt(() => rlm_query("alone"))',
        'await attempt(() => rlm_query("with text", "the text"))',
        'await attempt(() => rlm_query("with data", { n: 1 }))',
        'await attempt(() => rlm_query("with null", null))',
        'await attempt(() => rlm_query(5))',
      ].join(';\n'),
      { limits: { maxDepth: 1 } },
    );
    expect(subModel.calls.map((call) => call.lastMessage)).toEqual([
      'alone',
      'with text\n\nthe text',
      'with data\n\n{"n":1}',
      'with null',
    ]);
    expect(out.at(-1)).toBe(
      'threw: rlm_query: prompt must be a string; got number. Build the text first (e.g. with JSON.stringify or join).',
    );
    const kinds = result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls.map((call) => call.kind);
    expect(kinds).toEqual(['rlm', 'rlm', 'rlm', 'rlm']);
  });

  it('rlm_query_batched pairs each prompt with its context, and refuses a list of another length', async () => {
    const { out, subModel } = await runCell(
      [
        'await attempt(async () => (await rlm_query_batched(["a", "b"], ["x", { k: 2 }])).length)',
        'await attempt(async () => (await rlm_query_batched(["c"])).length)',
        'await attempt(() => rlm_query_batched(["a", "b"], ["x"]))',
        'await attempt(() => rlm_query_batched(["a"], "x"))',
        'await attempt(() => rlm_query_batched("a"))',
      ].join(';\n'),
      { limits: { maxDepth: 1 } },
    );
    expect(subModel.calls.map((call) => call.lastMessage)).toEqual(['a\n\nx', 'b\n\n{"k":2}', 'c']);
    expect(out).toEqual([
      2,
      1,
      'threw: rlm_query_batched: subContexts must be an array with one entry per prompt (2).',
      'threw: rlm_query_batched: subContexts must be an array with one entry per prompt (1).',
      'threw: rlm_query_batched: prompts must be an array of strings.',
    ]);
  });
});

describe('sub-call events and records', () => {
  it('each sub-call has a start and an end event with its outcome, and a trajectory record with usage', async () => {
    const { events, result } = await runCell('await attempt(() => llm_query("hello"))');
    const start = events.find((event) => event.type === 'sub-call-start');
    const end = events.find((event) => event.type === 'sub-call-end');
    expect(start).toMatchObject({
      kind: 'llm',
      model: 'mock:sub',
      promptCharacters: 5,
      promptPreview: 'hello',
    });
    expect(end).toMatchObject({ outcome: 'answered', responsePreview: 'sub(hello)' });
    expect(end && 'error' in end).toBe(false);
    const [record] = result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls;
    expect(record).toMatchObject({ kind: 'llm', model: 'mock:sub', prompt: 'hello', response: 'sub(hello)' });
    expect(record!.usage).toEqual({ inputTokens: 2, outputTokens: 3 });
    expect(record!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("names the sub-call a model call answers (subCallId) and a child run's sub-call (parentCallId), batched too", async () => {
    const { events } = await runCell(
      'await attempt(() => llm_query_batched(["a", "b", "c"]));\nawait attempt(() => rlm_query_batched(["x", "y"]))',
      { limits: { maxDepth: 2 } },
    );
    const subCalls = events.filter((event) => event.type === 'sub-call-start');
    const subModelCalls = events.filter(
      (event) => event.type === 'model-call-start' && event.role === 'sub' && event.depth === 0,
    );
    // Each llm sub-call has exactly one model call naming it, whatever order they ran in.
    const llmIds = subCalls.filter((event) => event.kind === 'llm').map((event) => event.callId);
    expect(llmIds).toHaveLength(3);
    expect(subModelCalls.map((event) => event.type === 'model-call-start' && event.subCallId).sort()).toEqual(
      [...llmIds].sort(),
    );
    const ends = events.filter(
      (event) => event.type === 'model-call-end' && event.role === 'sub' && event.depth === 0,
    );
    expect(ends.map((event) => event.type === 'model-call-end' && event.subCallId).sort()).toEqual(
      [...llmIds].sort(),
    );
    // Each child run names the rlm sub-call that started it; root calls carry no subCallId.
    const rlmIds = subCalls
      .filter((event) => event.kind === 'rlm' && event.depth === 0)
      .map((event) => event.callId);
    const children = events.filter((event) => event.type === 'run-start' && event.depth === 1);
    expect(rlmIds).toHaveLength(2);
    expect(children.map((event) => event.type === 'run-start' && event.parentCallId).sort()).toEqual(
      [...rlmIds].sort(),
    );
    const rootStart = events.find((event) => event.type === 'run-start' && event.depth === 0);
    expect(rootStart && 'parentCallId' in rootStart).toBe(false);
    const rootCall = events.find((event) => event.type === 'model-call-start' && event.role === 'root');
    expect(rootCall && 'subCallId' in rootCall).toBe(false);
  });

  it('a failed sub-call ends with outcome failed and its error, counted once', async () => {
    const subModel = new MockLanguageModel({ responses: [new Error('nope')], modelId: 'sub' });
    const { out, events, result } = await runCell('await attempt(() => llm_query("x"))', {
      subModel,
    });
    expect(out).toEqual(['threw: nope']);
    const end = events.find((event) => event.type === 'sub-call-end');
    expect(end).toMatchObject({ outcome: 'failed', error: { name: 'Error', message: 'nope' } });
    expect(result.failedSubCalls).toMatchObject({ count: 1, total: 1 });
  });
});

describe('tools', () => {
  it('get their parameters (or {}), the context and the depth; a failure reaches the code and the events', async () => {
    const seen: unknown[] = [];
    const { out, events } = await runCell(
      'await attempt(() => lookup({ word: "a" }));\nawait attempt(() => lookup());\nawait attempt(() => broken({}))',
      {
        tools: [
          {
            name: 'lookup',
            description: 'Looks up.',
            parameters: {},
            execute: async (parameters, options) => {
              seen.push({ parameters, context: options.context, depth: options.depth });
              return `found ${JSON.stringify(parameters)}`;
            },
          },
          {
            name: 'broken',
            description: 'Breaks.',
            parameters: {},
            execute: async () => {
              throw new Error('tool failed');
            },
          },
        ],
      },
    );
    expect(out).toEqual(['found {"word":"a"}', 'found {}', 'threw: tool failed']);
    expect(seen).toEqual([
      { parameters: { word: 'a' }, context: 'c', depth: 0 },
      { parameters: {}, context: 'c', depth: 0 },
    ]);
    const toolEvents = events.filter((event) => event.type === 'tool-call');
    expect(toolEvents.map((event) => [event.toolName, 'error' in event ? event.error : undefined])).toEqual([
      ['lookup', undefined],
      ['lookup', undefined],
      ['broken', { name: 'Error', message: 'tool failed' }],
    ]);
  });
});

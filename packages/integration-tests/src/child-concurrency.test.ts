/**
 * Issue 11, item 5: the run-wide concurrency cap (`maxConcurrency`) covers every model call of the
 * tree — the root's turns, each child RLM's turns, and the sub-calls made at any depth — counted
 * across all the models involved, not per model. And a full cap never deadlocks: only model calls
 * (and sandbox creations) hold a slot, never a cell or a parent waiting on its children.
 */
import { createRLM, type LanguageModel, type LanguageModelCallOptions } from '@rlm/core';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, it } from 'vitest';
import { code } from './fixtures';

/** Counts the model calls in flight at once across every model it wraps. */
class InFlightCounter {
  now = 0;
  peak = 0;
  total = 0;

  wrap(model: LanguageModel): LanguageModel {
    const counter = this;
    return {
      specificationVersion: model.specificationVersion,
      provider: model.provider,
      modelId: model.modelId,
      contextWindow: model.contextWindow,
      async doGenerate(options: LanguageModelCallOptions) {
        counter.now++;
        counter.total++;
        counter.peak = Math.max(counter.peak, counter.now);
        try {
          return await model.doGenerate(options);
        } finally {
          counter.now--;
        }
      },
    };
  }
}

/**
 * Real QuickJS sandboxes, run on this thread: these trees open up to ~60 of them, and a worker
 * thread per session would make the sandboxes, not the loop, what the test spends its time on.
 */
function quickjsOnThisThread() {
  return createQuickJSEnvironment({ workerThread: false });
}

/** The question a root-model call works on (its first user message), or undefined for a plain sub-call. */
function questionOf(request: MockRequest): string | undefined {
  return request.messages[0]?.role === 'system' ? request.messages[1]!.content : undefined;
}

/** A root turn number: 1 for the first call of a run, 2 after one turn of feedback, … */
function turnOf(request: MockRequest): number {
  return (request.messages.length - 2) / 2 + 1;
}

const leaf = (request: MockRequest) => `leaf(${request.lastMessage})`;

/**
 * maxDepth 2: the root fans out `children` child RLMs with `rlm_query_batched`; each child takes two
 * turns and makes `llm_query`, `llm_query_batched` and a last-level `rlm_query` (a plain call).
 * Calls: 1 root turn + per child 2 turns + 1 + 3 + 1 sub-calls.
 */
function depthTwoModels(children: number) {
  const root = new MockLanguageModel({
    modelId: 'root',
    latencyMs: [1, 4],
    responses: [
      code(
        `const answers = await rlm_query_batched(Array.from({ length: ${children} }, (_, i) => "child-" + i));\nFINAL(answers.length + ":" + answers.filter((a) => a.startsWith("Error")).length)`,
      ),
    ],
  });
  const sub = new MockLanguageModel({
    modelId: 'sub',
    latencyMs: [1, 4],
    responses: (request) => {
      const question = questionOf(request);
      if (question === undefined) return leaf(request);
      if (turnOf(request) === 1)
        return code(
          'const one = await llm_query("a");\nconst many = await llm_query_batched(["b", "c", "d"]);\nconst last = await rlm_query("e");\nconsole.log(one, many.length, last)',
        );
      return code('FINAL([one, ...many, last].join("+"))');
    },
  });
  return { root, sub, expectedCalls: 1 + children * (2 + 1 + 3 + 1) };
}

/**
 * maxDepth 3: the root fans out `children` children; each calls `llm_query` and fans out `grandchildren`
 * grandchildren with `rlm_query_batched` in its first turn and answers in its second; a grandchild
 * calls `llm_query_batched` of three and answers in one turn.
 */
function depthThreeModels(children: number, grandchildren: number) {
  const root = new MockLanguageModel({
    modelId: 'root',
    latencyMs: [1, 4],
    responses: [
      code(
        `const answers = await rlm_query_batched(Array.from({ length: ${children} }, (_, i) => "child-" + i));\nFINAL(answers.length + ":" + answers.filter((a) => a.startsWith("Error")).length)`,
      ),
    ],
  });
  const sub = new MockLanguageModel({
    modelId: 'sub',
    latencyMs: [1, 4],
    responses: (request) => {
      const question = questionOf(request);
      if (question === undefined) return leaf(request);
      if (question.includes('grandchild-'))
        return code('FINAL((await llm_query_batched(["x", "y", "z"])).join("+"))');
      if (turnOf(request) === 1)
        return code(
          `const mine = await llm_query("a");\nconst below = await rlm_query_batched(Array.from({ length: ${grandchildren} }, (_, i) => "grandchild-" + i));\nconsole.log(mine, below.length)`,
        );
      return code('FINAL(mine + "|" + below.join(";"))');
    },
  });
  const perGrandchild = 1 + 3;
  const perChild = 2 + 1 + grandchildren * perGrandchild;
  return { root, sub, expectedCalls: 1 + children * perChild };
}

async function runTree(
  models: { root: MockLanguageModel; sub: MockLanguageModel },
  maxConcurrency: number,
  maxDepth: number,
) {
  const counter = new InFlightCounter();
  const rlm = createRLM({
    model: counter.wrap(models.root),
    subModel: counter.wrap(models.sub),
    environment: quickjsOnThisThread(),
    maxConcurrency,
  });
  const result = await rlm.completion('q', { context: 'c', limits: { maxDepth } });
  return { result, counter };
}

describe('the concurrency cap holds across the whole tree (issue 11, item 5)', () => {
  it.each([
    1, 2, 4,
  ])('rlm_query_batched of 50 children at maxDepth 2, children calling llm_query: never more than %i model calls in flight', async (cap) => {
    const models = depthTwoModels(50);
    const { result, counter } = await runTree(models, cap, 2);
    expect(result.answer).toBe('50:0');
    expect(result.failedSubCalls.count).toBe(0);
    expect(counter.total).toBe(models.expectedCalls);
    expect(counter.now).toBe(0);
    expect(counter.peak).toBeLessThanOrEqual(cap);
    // The cap is used, not merely respected: children run side by side up to it.
    expect(counter.peak).toBe(cap);
  }, 60_000);

  it.each([
    1, 2, 4,
  ])('rlm_query_batched at maxDepth 3 (12 children × 4 grandchildren, llm_query at every level): never more than %i model calls in flight', async (cap) => {
    const models = depthThreeModels(12, 4);
    const { result, counter } = await runTree(models, cap, 3);
    expect(result.answer).toBe('12:0');
    expect(result.failedSubCalls.count).toBe(0);
    expect(counter.total).toBe(models.expectedCalls);
    expect(counter.peak).toBeLessThanOrEqual(cap);
    expect(counter.peak).toBe(cap);
    const child = result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!.child!;
    expect(child.answer).toBe(`leaf(a)|${Array(4).fill('leaf(x)+leaf(y)+leaf(z)').join(';')}`);
  }, 60_000);

  it('the children’s own root turns are held back by the cap, not only their sub-calls', async () => {
    // Children that make no sub-calls at all: every call but the root's is a child's root turn.
    const counter = new InFlightCounter();
    const root = new MockLanguageModel({
      modelId: 'root',
      responses: [
        code('FINAL((await rlm_query_batched(Array.from({ length: 30 }, (_, i) => "c" + i))).join(","))'),
      ],
    });
    const sub = new MockLanguageModel({
      modelId: 'sub',
      latencyMs: 5,
      responses: (request) => code(`FINAL(${JSON.stringify(`done-${turnOf(request)}`)})`),
    });
    const result = await createRLM({
      model: counter.wrap(root),
      subModel: counter.wrap(sub),
      environment: quickjsOnThisThread(),
      maxConcurrency: 3,
    }).completion('q', { context: 'c', limits: { maxDepth: 2 } });
    expect(result.answer.split(',')).toEqual(Array(30).fill('done-1'));
    expect(sub.calls).toHaveLength(30);
    expect(sub.peakConcurrency).toBe(3);
    expect(counter.peak).toBe(3);
  });
});

describe('a full cap with nested children still finishes (no deadlock)', () => {
  it.each([
    [1, 2],
    [1, 3],
    [2, 2],
    [2, 3],
  ])(
    'maxConcurrency %i, maxDepth %i: every level waits on the one below through the full cap and the run answers',
    async (cap, maxDepth) => {
      const models = maxDepth === 2 ? depthTwoModels(8) : depthThreeModels(4, 3);
      const { result, counter } = await runTree(models, cap, maxDepth);
      expect(result.answer).toMatch(/^\d+:0$/);
      expect(counter.total).toBe(models.expectedCalls);
      expect(counter.peak).toBeLessThanOrEqual(cap);
    },
    60_000,
  );

  it('maxConcurrency 1: a child waiting on Promise.all of rlm_query and llm_query in one cell finishes', async () => {
    // Both kinds started before either is awaited: the cell holds no slot while it waits, so the
    // grandchildren and the plain calls queue behind the one slot and take turns with it.
    const counter = new InFlightCounter();
    const root = new MockLanguageModel({
      modelId: 'root',
      responses: [
        code(
          'const [x, y] = await Promise.all([rlm_query("child-x"), rlm_query("child-y")]);\nFINAL(x + " / " + y)',
        ),
      ],
    });
    const sub = new MockLanguageModel({
      modelId: 'sub',
      latencyMs: 2,
      responses: (request) => {
        const question = questionOf(request);
        if (question === undefined) return leaf(request);
        if (question.includes('grand')) return code('FINAL(await llm_query("deep"))');
        return code(
          'const parts = await Promise.all([rlm_query("grand-1"), llm_query("side"), rlm_query("grand-2")]);\nFINAL(parts.join("+"))',
        );
      },
    });
    const result = await createRLM({
      model: counter.wrap(root),
      subModel: counter.wrap(sub),
      environment: quickjsOnThisThread(),
      maxConcurrency: 1,
    }).completion('q', { context: 'c', limits: { maxDepth: 3 } });
    expect(result.answer).toBe('leaf(deep)+leaf(side)+leaf(deep) / leaf(deep)+leaf(side)+leaf(deep)');
    expect(counter.peak).toBe(1);
    // root 1 + 2 children × (1 turn + 1 llm_query + 2 grandchildren × (1 turn + 1 llm_query))
    expect(counter.total).toBe(1 + 2 * (1 + 1 + 2 * 2));
  }, 30_000);
});

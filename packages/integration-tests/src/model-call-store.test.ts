import {
  type ModelCallKey,
  type ModelCallStore,
  modelCallKey,
  type RLMEvent,
  type StoredModelCall,
} from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM, scriptedModels } from './fixtures';

/** A store in memory that counts its reads and writes; `corrupt` makes every read return junk. */
class MemoryStore implements ModelCallStore {
  readonly entries = new Map<string, StoredModelCall>();
  hits = 0;
  misses = 0;
  puts = 0;
  constructor(
    readonly kind: 'cache' | 'replay' = 'cache',
    private readonly behaviour: 'ok' | 'corrupt' | 'throws' = 'ok',
  ) {}
  async get(key: ModelCallKey): Promise<StoredModelCall | undefined> {
    if (this.behaviour === 'throws') throw new Error('disk on fire');
    const entry = this.entries.get(key.hash);
    if (this.behaviour === 'corrupt' && entry) return { text: 42, usage: null } as unknown as StoredModelCall;
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }
  async put(key: ModelCallKey, call: StoredModelCall): Promise<void> {
    if (this.behaviour === 'throws') throw new Error('disk full');
    this.puts++;
    this.entries.set(key.hash, call);
  }
}

/** A run with two turns and four sub-calls (one batched), with costs, so every count shows. */
function twoTurnRun(store: ModelCallStore) {
  const model = new MockLanguageModel({
    responses: [
      {
        text: code('const parts = await llm_query_batched(["a", "b", "c"]); console.log(parts.join(","))'),
        costUsd: 0.01,
      },
      { text: code('FINAL((await llm_query("sum")) + "!")'), costUsd: 0.02 },
    ],
    modelId: 'root',
  });
  const pricedSub = new MockLanguageModel({
    responses: (request) => ({ text: `sub:${request.lastMessage}`, costUsd: 0.001 }),
    modelId: 'sub',
  });
  const events: RLMEvent[] = [];
  const rlm = quickjsRLM({
    model,
    subModel: pricedSub,
    cache: store,
    onEvent: (event) => events.push(event),
  });
  return { rlm, model, subModel: pricedSub, events };
}

describe('model-call stores: the sub-call cache (issue 14)', () => {
  it('a second identical run sends nothing, answers the same, and says every call was cached', async () => {
    const store = new MemoryStore();
    const first = twoTurnRun(store);
    const one = await first.rlm.completion('Sum it up.', { context: 'some text' });
    expect(one.answer).toBe('sub:sum!');
    expect(first.model.calls).toHaveLength(2);
    expect(first.subModel.calls).toHaveLength(4);
    expect(store.puts).toBe(6);
    expect(one.usage.total.cachedCalls).toBe(0);

    const second = twoTurnRun(store);
    const two = await second.rlm.completion('Sum it up.', { context: 'some text' });
    expect(two.answer).toBe(one.answer);
    expect(second.model.calls).toHaveLength(0);
    expect(second.subModel.calls).toHaveLength(0);
    // Nothing spent: no call, no token, no cost; six cached calls that cost 0.034 the first time.
    expect(two.usage.total).toMatchObject({
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      cachedCalls: 6,
    });
    expect(two.usage.total.cachedCostUsd).toBeCloseTo(0.034, 10);
    expect(two.usage.byModel['mock:sub']).toMatchObject({ calls: 0, cachedCalls: 4 });
    expect(two.costUsd).toBe(0);
    const ends = second.events.filter((event) => event.type === 'model-call-end');
    expect(ends).toHaveLength(6);
    for (const event of ends) expect(event).toMatchObject({ servedFrom: 'cache' });
    const subEnds = second.events.filter((event) => event.type === 'sub-call-end');
    expect(subEnds).toHaveLength(4);
    for (const event of subEnds) expect(event).toMatchObject({ servedFrom: 'cache', outcome: 'answered' });
    const firstSubEnds = first.events.filter((event) => event.type === 'sub-call-end');
    for (const event of firstSubEnds) expect(event).not.toHaveProperty('servedFrom');
    const starts = second.events.filter((event) => event.type === 'model-call-start');
    for (const event of starts) expect(event).toMatchObject({ servedFrom: 'cache' });
    for (const iteration of two.trajectory.iterations) expect(iteration.servedFrom).toBe('cache');
    const subCalls = two.trajectory.iterations.flatMap((iteration) =>
      iteration.codeBlocks.flatMap((block) => block.subCalls),
    );
    expect(subCalls).toHaveLength(4);
    for (const call of subCalls) expect(call.servedFrom).toBe('cache');
    // The first run's records carry no mark.
    expect(one.trajectory.iterations.every((iteration) => iteration.servedFrom === undefined)).toBe(true);
  });

  it('a different question, context, model, output cap or provider option misses', async () => {
    const store = new MemoryStore();
    await twoTurnRun(store).rlm.completion('Sum it up.', { context: 'some text' });
    const different = twoTurnRun(store);
    await different.rlm.completion('Sum it up.', { context: 'other text' });
    // The root's first call carries the context's summary: it misses, and so does everything after it
    // whose prompt differs; the sub-calls whose prompts are the same ("a", "b", "c", "sum") hit.
    expect(different.model.calls).toHaveLength(2);
    expect(different.subModel.calls).toHaveLength(0);
  });

  it('a corrupt entry is a miss, never trusted; a store that throws is a miss and the run succeeds', async () => {
    for (const behaviour of ['corrupt', 'throws'] as const) {
      const good = new MemoryStore();
      await twoTurnRun(good).rlm.completion('Sum it up.', { context: 'x' });
      const bad = new MemoryStore('cache', behaviour);
      for (const [hash, entry] of good.entries) bad.entries.set(hash, entry);
      const run = twoTurnRun(bad);
      const result = await run.rlm.completion('Sum it up.', { context: 'x' });
      expect(result.answer, behaviour).toBe('sub:sum!');
      expect(run.model.calls, behaviour).toHaveLength(2);
      expect(run.subModel.calls, behaviour).toHaveLength(4);
      expect(result.usage.total.cachedCalls, behaviour).toBe(0);
    }
  });

  it('a failed call is not kept', async () => {
    const store = new MemoryStore();
    const model = new MockLanguageModel({
      responses: [code('console.log(await llm_query("boom"))'), code('FINAL("done")')],
    });
    const subModel = new MockLanguageModel({ responses: [new Error('server exploded')] });
    const rlm = quickjsRLM({ model, subModel, cache: store });
    const result = await rlm.completion('q', { context: 'c' });
    expect(result.failedSubCalls.count).toBe(1);
    expect(store.puts).toBe(2);
  });

  it('a replay store counts its calls as spent: in usage, in cost and against the limits', async () => {
    const cache = new MemoryStore();
    await twoTurnRun(cache).rlm.completion('Sum it up.', { context: 'some text' });
    const replay = new MemoryStore('replay');
    for (const [hash, entry] of cache.entries) replay.entries.set(hash, entry);
    const run = twoTurnRun(replay);
    const result = await run.rlm.completion('Sum it up.', { context: 'some text' });
    expect(run.model.calls).toHaveLength(0);
    expect(result.usage.total).toMatchObject({ calls: 6, replayedCalls: 6, cachedCalls: 0 });
    expect(result.costUsd).toBeCloseTo(0.034, 10);
    const ends = run.events.filter((event) => event.type === 'model-call-end');
    for (const event of ends) expect(event).toMatchObject({ servedFrom: 'replay' });

    // With a cost limit below what the replayed calls spent, the run stops at the limit.
    const limited = twoTurnRun(replay);
    await expect(
      limited.rlm.completion('Sum it up.', { context: 'some text', limits: { maxCostUsd: 0.012 } }),
    ).rejects.toMatchObject({ name: 'LimitExceededError', limit: 'maxCostUsd' });
  });

  it('refuses a cache that is not a store, saying what one is', () => {
    const { model } = scriptedModels([]);
    for (const cache of [
      {},
      { kind: 'cache', get: () => undefined },
      { kind: 'lru', get() {}, put() {} },
      'dir',
    ]) {
      expect(() => quickjsRLM({ model, cache: cache as never })).toThrow(/cache must be a ModelCallStore/);
    }
  });
});

describe('modelCallKey', () => {
  const model = new MockLanguageModel({ responses: [], modelId: 'm' });
  const messages = [
    { role: 'system' as const, content: 'You are an RLM.' },
    { role: 'user' as const, content: '[note-abc] the question' },
  ];
  const base = { messages, maxOutputTokens: 100, providerOptions: { openai: { a: 1, b: 2 } } };

  it('is the same for the same call, whatever the note tag and the order of option keys', async () => {
    const one = await modelCallKey(model, { ...base, noteTag: 'note-abc' });
    const two = await modelCallKey(model, {
      messages: [messages[0]!, { role: 'user', content: '[note-xyz] the question' }],
      maxOutputTokens: 100,
      providerOptions: { openai: { b: 2, a: 1 } },
      noteTag: 'note-xyz',
    });
    expect(two).toEqual(one);
    expect(one.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(one).toMatchObject({ provider: 'mock', modelId: 'm' });
  });

  it('differs with the model, a message, a role, the output cap or an option', async () => {
    const reference = (await modelCallKey(model, base)).hash;
    const variants = [
      modelCallKey(new MockLanguageModel({ responses: [], modelId: 'other' }), base),
      modelCallKey(new MockLanguageModel({ responses: [], modelId: 'm', provider: 'other' }), base),
      modelCallKey(model, { ...base, messages: [messages[0]!] }),
      modelCallKey(model, { ...base, messages: [messages[0]!, { ...messages[1]!, content: 'other' }] }),
      modelCallKey(model, { ...base, messages: [messages[0]!, { ...messages[1]!, role: 'assistant' }] }),
      modelCallKey(model, { ...base, maxOutputTokens: 101 }),
      modelCallKey(model, { ...base, maxOutputTokens: undefined }),
      modelCallKey(model, { ...base, providerOptions: { openai: { a: 1, b: 3 } } }),
      modelCallKey(model, { ...base, providerOptions: undefined }),
    ];
    const hashes = (await Promise.all(variants)).map((key) => key.hash);
    expect(new Set([reference, ...hashes]).size).toBe(hashes.length + 1);
  });
});

/**
 * Issue 14, "Never wait needlessly": each model's concurrency window adapts (slow start, then
 * additive growth; halved on 429 / overload; a `Retry-After` holds every new call of the model), is
 * shared by every run of the process that calls the same model object, never exceeds the hard cap,
 * and is fixed by a number (`concurrency: N`). Over real HTTP with the OpenAI provider, and with
 * scripted models whose failures go through core's `retryWithBackoff` as our providers' do.
 */
import {
  type ConcurrencyChangeEvent,
  createRLM,
  type LanguageModel,
  RateLimitError,
  type RLMEvent,
} from '@rlm/core';
import { retryWithBackoff } from '@rlm/core/provider';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { createOpenAI } from '@rlm/openai';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterEach, describe, expect, it } from 'vitest';
import { code } from './fixtures';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A root model that makes `batches` turns of `size` sub-calls each, then answers how many answered. */
function batchingRoot(batches: number, size: number, modelId = 'root') {
  return new MockLanguageModel({
    modelId,
    responses: (request: MockRequest) => {
      const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
      const batch = `const answers = await llm_query_batched(Array.from({ length: ${size} }, (_, i) => "item ${turn}." + i));\nglobalThis.ok = (globalThis.ok ?? 0) + answers.filter((a) => !a.startsWith("Error")).length;`;
      return code(turn >= batches ? `${batch}\nFINAL(String(globalThis.ok))` : batch);
    },
  });
}

/** The `concurrency-change` events of one model. */
function windowEvents(events: readonly RLMEvent[], model: string): ConcurrencyChangeEvent[] {
  return events.filter(
    (event): event is ConcurrencyChangeEvent => event.type === 'concurrency-change' && event.model === model,
  );
}

/** Checks the shape of a window's history: where it grows, by how much, and where it is cut. */
function expectAimd(changes: readonly ConcurrencyChangeEvent[], initial: number, max: number) {
  expect(changes[0]).toMatchObject({ reason: 'initial', window: initial, maxWindow: max, adaptive: true });
  let cut = false;
  for (const change of changes.slice(1)) {
    expect(change.window).toBeLessThanOrEqual(max);
    expect(change.window).toBeGreaterThanOrEqual(1);
    switch (change.reason) {
      case 'slow-start':
        expect(cut).toBe(false);
        // One per success: the window doubles per window of successes (the unit tests count it).
        expect(change.window).toBe(change.previousWindow + 1);
        break;
      case 'additive':
        expect(change.window).toBe(change.previousWindow + 1);
        break;
      case 'rate-limited':
      case 'overloaded':
        cut = true;
        expect(change.window).toBe(Math.max(1, Math.floor(change.previousWindow / 2)));
        break;
      case 'retry-after':
        expect(change.window).toBe(change.previousWindow);
        expect(change.pausedForMs).toBeGreaterThan(0);
        break;
      default:
        throw new Error(`unexpected change ${JSON.stringify(change)}`);
    }
  }
}

/**
 * A model as our providers are built: core's `retryWithBackoff` inside `doGenerate` with the loop's
 * signal. `fail(prompt, attempt, inFlight)` may return an error to throw for that attempt.
 */
function retryingModel(
  modelId: string,
  fail: (prompt: string, attempt: number, inFlight: number) => Error | undefined,
  log: Array<{ prompt: string; attempt: number; at: number } | { pausedUntil: number }> = [],
  latencyMs = 10,
) {
  const attempts = new Map<string, number>();
  let inFlight = 0;
  const counts = { peak: 0, calls: 0 };
  const model: LanguageModel = {
    specificationVersion: 'v1',
    provider: 'test',
    modelId,
    contextWindow: 100_000,
    doGenerate: (options) => {
      const prompt = options.messages.at(-1)!.content;
      return retryWithBackoff(
        async () => {
          const attempt = (attempts.get(prompt) ?? 0) + 1;
          attempts.set(prompt, attempt);
          log.push({ prompt, attempt, at: Date.now() });
          inFlight++;
          counts.calls++;
          counts.peak = Math.max(counts.peak, inFlight);
          try {
            await new Promise((resolve) => setTimeout(resolve, latencyMs));
            const error = fail(prompt, attempt, inFlight);
            if (error) throw error;
            return { text: `answer to ${prompt}`, usage: { inputTokens: 1, outputTokens: 1 } };
          } finally {
            inFlight--;
          }
        },
        {
          ...(options.abortSignal ? { signal: options.abortSignal } : {}),
          onRetry: ({ error, delayMs }) => {
            if (RateLimitError.isInstance(error)) log.push({ pausedUntil: Date.now() + delayMs });
          },
        },
      );
    },
  };
  return { model, counts, log };
}

const environment = () => createQuickJSEnvironment({ workerThread: false });

describe('the window grows and shrinks, over HTTP with the OpenAI provider', () => {
  it('a server that takes 10 at once: cut on its 429s, then additive growth; no sub-call fails, far fewer 429s than a fixed window', async () => {
    const run = async (concurrency: number | undefined) => {
      const server = await startTestServer({
        respond: () => ({ text: 'ok' }),
        latencyMs: 50,
        concurrencyLimit: { max: 10, retryAfterMs: 20 },
      });
      servers.push(server);
      const openai = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' });
      const subModel = openai('gpt-4.1-mini');
      const events: RLMEvent[] = [];
      const result = await createRLM({
        model: batchingRoot(3, 100),
        subModel,
        environment: environment(),
        ...(concurrency === undefined ? {} : { concurrency }),
      }).completion('q', { context: 'c', onEvent: (event) => events.push(event) });
      return { result, events, server, stats: server.concurrency() };
    };
    const adaptive = await run(undefined);
    expect(adaptive.result.answer).toBe('300');
    expect(adaptive.result.failedSubCalls.count).toBe(0);
    const changes = windowEvents(adaptive.events, 'openai:gpt-4.1-mini');
    expectAimd(changes, 16, 64);
    // It started above the server's limit: the first 429s cut it, and it grew back one by one.
    expect(changes.some((change) => change.reason === 'rate-limited')).toBe(true);
    expect(changes.some((change) => change.reason === 'retry-after')).toBe(true);
    expect(changes.some((change) => change.reason === 'additive')).toBe(true);
    expect(adaptive.stats.peak).toBeLessThanOrEqual(10);

    const fixed = await run(16);
    expect(fixed.result.answer).toBe('300');
    expect(windowEvents(fixed.events, 'openai:gpt-4.1-mini').map((change) => change.reason)).not.toContain(
      'rate-limited',
    );
    expect(adaptive.stats.rejected).toBeGreaterThan(0);
    expect(adaptive.stats.rejected * 2).toBeLessThan(fixed.stats.rejected);
  }, 60_000);
});

describe('slow start, then additive growth, under the hard cap', () => {
  it.each([
    [1, 1],
    [3, 3],
    [7, 7],
    [20, 16],
    [64, 16],
  ])('hard cap %i: the window grows by one per success to the cap and the calls in flight never exceed it (and reach it)', async (cap, initial) => {
    const root = batchingRoot(1, 400);
    const subModel = new MockLanguageModel({ modelId: 'sub', latencyMs: 5, responses: () => 'ok' });
    const events: RLMEvent[] = [];
    const result = await createRLM({
      model: root,
      subModel,
      environment: environment(),
      maxConcurrency: cap,
    }).completion('q', { context: 'c', onEvent: (event) => events.push(event) });
    expect(result.answer).toBe('400');
    expect(subModel.peakConcurrency).toBeLessThanOrEqual(cap);
    expect(subModel.peakConcurrency).toBe(cap);
    const changes = windowEvents(events, 'mock:sub');
    expectAimd(changes, initial, cap);
    expect(changes.at(-1)?.window).toBe(cap);
  });

  it('a 429 with the window at its largest: halved, and from then on +1 per window of successes', async () => {
    let limitedOnce = false;
    const { model: subModel } = retryingModel('sub', (_, attempt, inFlight) => {
      if (limitedOnce || attempt > 1 || inFlight < 32) return undefined;
      limitedOnce = true;
      return new RateLimitError({ provider: 'test', message: 'slow down', statusCode: 429 });
    });
    const events: RLMEvent[] = [];
    const result = await createRLM({
      model: batchingRoot(2, 400),
      subModel,
      environment: environment(),
    }).completion('q', { context: 'c', onEvent: (event) => events.push(event) });
    expect(result.answer).toBe('800');
    const changes = windowEvents(events, 'test:sub');
    expectAimd(changes, 16, 64);
    const reasons = changes.map((change) => change.reason);
    const cutAt = reasons.indexOf('rate-limited');
    expect(cutAt).toBeGreaterThan(0);
    expect(reasons.slice(1, cutAt).every((reason) => reason === 'slow-start')).toBe(true);
    expect(reasons.slice(cutAt + 1).length).toBeGreaterThan(2);
    expect(reasons.slice(cutAt + 1).every((reason) => reason === 'additive')).toBe(true);
  });
});

describe('Retry-After', () => {
  it('no call of the model starts before the wait a 429 asked for has passed, and every call answers', async () => {
    const log: Array<{ prompt: string; attempt: number; at: number } | { pausedUntil: number }> = [];
    const limited = new Set(['item 1.5', 'item 1.40', 'item 2.3', 'item 2.77']);
    const { model: subModel } = retryingModel(
      'sub',
      (prompt, attempt) =>
        limited.has(prompt) && attempt === 1
          ? new RateLimitError({ provider: 'test', message: 'wait', statusCode: 429, retryAfterMs: 80 })
          : undefined,
      log,
    );
    const result = await createRLM({
      model: batchingRoot(2, 100),
      subModel,
      environment: environment(),
    }).completion('q', { context: 'c' });
    expect(result.answer).toBe('200');
    expect(result.failedSubCalls.count).toBe(0);
    let pausedUntil = 0;
    let pauses = 0;
    let startedAfterPause = 0;
    for (const entry of log) {
      if ('pausedUntil' in entry) {
        pausedUntil = Math.max(pausedUntil, entry.pausedUntil);
        pauses++;
        continue;
      }
      // Logged after the 429 was reported: it started after, so not before the wait ended (2 ms for
      // the clock's rounding; a timer never fires early).
      if (pausedUntil > 0) {
        expect(entry.at).toBeGreaterThanOrEqual(pausedUntil - 2);
        startedAfterPause++;
      }
    }
    expect(pauses).toBe(4);
    expect(startedAfterPause).toBeGreaterThan(50);
  });
});

describe('a fixed window: concurrency N', () => {
  it.each([
    1, 5, 16, 50,
  ])('concurrency %i: exactly that many calls in flight at most, reached, and the window never moves', async (fixed) => {
    const subModel = new MockLanguageModel({ modelId: 'sub', latencyMs: 5, responses: () => 'ok' });
    const events: RLMEvent[] = [];
    const result = await createRLM({
      model: batchingRoot(1, 300),
      subModel,
      environment: environment(),
      concurrency: fixed,
    }).completion('q', { context: 'c', onEvent: (event) => events.push(event) });
    expect(result.answer).toBe('300');
    expect(subModel.peakConcurrency).toBe(fixed);
    expect(
      windowEvents(events, 'mock:sub').map((change) => [change.reason, change.window, change.adaptive]),
    ).toEqual([['initial', fixed, false]]);
  });
});

describe('one window per model, shared by every run of the process', () => {
  it('two concurrent runs (two RLMs) calling one model object stay under its window together', async () => {
    const subModel = new MockLanguageModel({ modelId: 'shared', latencyMs: 5, responses: () => 'ok' });
    const make = () =>
      createRLM({ model: batchingRoot(1, 200), subModel, environment: environment(), concurrency: 6 });
    const [first, second] = await Promise.all([
      make().completion('q', { context: 'c' }),
      make().completion('q', { context: 'c' }),
    ]);
    expect([first.answer, second.answer]).toEqual(['200', '200']);
    // Each run alone may hold 6; together they still hold 6, not 12.
    expect(subModel.peakConcurrency).toBe(6);
  });

  it('what one run learns (a cut) the other sees as it happens, and a later run starts from it', async () => {
    const eventsOf = [[], [], []] as RLMEvent[][];
    const all: RLMEvent[] = [];
    const subscribed = (index: number) => windowEvents(eventsOf[index]!, 'test:shared').length > 0;
    let cuts = 0;
    // One 429, once both runs call the model (so both report on its window).
    const { model: subModel } = retryingModel('shared', (_, attempt) => {
      if (attempt > 1 || cuts >= 1 || !subscribed(0) || !subscribed(1)) return undefined;
      cuts++;
      return new RateLimitError({ provider: 'test', message: 'slow down', statusCode: 429 });
    });
    const make = (index: number, size: number) =>
      createRLM({ model: batchingRoot(1, size), subModel, environment: environment() }).completion('q', {
        context: 'c',
        onEvent: (event) => {
          eventsOf[index]!.push(event);
          all.push(event);
        },
      });
    const first = make(0, 600);
    while (!subscribed(0)) await new Promise((resolve) => setTimeout(resolve, 1));
    const results = await Promise.all([first, make(1, 150)]);
    expect(results.map((result) => result.answer)).toEqual(['600', '150']);
    expect(cuts).toBe(1);
    const cutsSeen = eventsOf
      .slice(0, 2)
      .map((events) =>
        windowEvents(events, 'test:shared').filter((change) => change.reason === 'rate-limited'),
      );
    expect(cutsSeen[0]).toHaveLength(1);
    expect(cutsSeen[1]).toEqual(cutsSeen[0]!.map((change) => ({ ...change, runId: cutsSeen[1]![0]!.runId })));
    const last = windowEvents(all, 'test:shared').at(-1)!.window;
    await make(2, 10);
    expect(windowEvents(eventsOf[2]!, 'test:shared')[0]).toMatchObject({ reason: 'initial', window: last });
  });
});

describe('no deadlock with nested children at small windows', () => {
  it.each([
    [{ initial: 1, max: 1 }, 3],
    [{ initial: 1, max: 2 }, 3],
    [{ initial: 2, max: 3 }, 2],
  ])(
    'concurrency %o, maxDepth %i, with 429s cutting the window mid-tree: every child answers',
    async (concurrency, maxDepth) => {
      const { model: sub, counts } = retryingModel('sub', (prompt, attempt) =>
        attempt === 1 && prompt.endsWith('7')
          ? new RateLimitError({ provider: 'test', message: 'wait', statusCode: 429, retryAfterMs: 5 })
          : undefined,
      );
      // The child's root turns are scripted; its sub-calls go to `sub` (with 429s).
      const childRoot = new MockLanguageModel({
        modelId: 'child',
        responses: (request) =>
          request.messages.length > 2
            ? code('FINAL("unreachable")')
            : code(
                'const parts = await Promise.all([rlm_query("grand 7"), llm_query("side 7"), rlm_query("grand 2")]);\nFINAL(parts.length)',
              ),
      });
      const root = new MockLanguageModel({
        modelId: 'root',
        responses: [
          code(
            'FINAL((await rlm_query_batched(Array.from({ length: 6 }, (_, i) => "child " + i))).join(","))',
          ),
        ],
      });
      // rlm_query's children use subModel for their root turns: route those to the scripted child
      // model and plain sub-calls to the 429ing one.
      const subModel: LanguageModel = {
        ...sub,
        doGenerate: (options) =>
          options.messages[0]?.role === 'system' ? childRoot.doGenerate(options) : sub.doGenerate(options),
      };
      const result = await createRLM({
        model: root,
        subModel,
        environment: environment(),
        concurrency,
      }).completion('q', {
        context: 'c',
        limits: { maxDepth },
      });
      expect(result.answer.split(',')).toHaveLength(6);
      expect(result.failedSubCalls.count).toBe(0);
      expect(counts.peak).toBeLessThanOrEqual(concurrency.max);
    },
    60_000,
  );
});

describe('concurrency-change events belong to the root run', () => {
  it('also when the root’s own calls come from a cache and a child calls a model first', async () => {
    // A cache that answers every root-model call: the first real call of the tree is a child's.
    const root = new MockLanguageModel({
      modelId: 'root',
      responses: [code('FINAL(await rlm_query("child"))')],
    });
    const cache = {
      kind: 'cache' as const,
      get: async (key: { modelId: string }) =>
        key.modelId === 'root'
          ? { text: code('FINAL(await rlm_query("child"))'), usage: { inputTokens: 1, outputTokens: 1 } }
          : undefined,
      put: async () => undefined,
    };
    const subModel = new MockLanguageModel({
      modelId: 'sub',
      responses: (request) =>
        request.messages[0]?.role === 'system' ? code('FINAL(await llm_query("leaf"))') : 'leaf answer',
    });
    const events: RLMEvent[] = [];
    const result = await createRLM({ model: root, subModel, environment: environment(), cache }).completion(
      'q',
      {
        context: 'c',
        limits: { maxDepth: 2 },
        onEvent: (event) => events.push(event),
      },
    );
    expect(result.answer).toBe('leaf answer');
    expect(root.calls).toHaveLength(0);
    const rootRunId = events.find((event) => event.type === 'run-start' && event.depth === 0)!.runId;
    const changes = events.filter((event) => event.type === 'concurrency-change');
    expect(changes.map((event) => [event.runId, event.depth, event.model])).toEqual([
      [rootRunId, 0, 'mock:sub'],
    ]);
    // The child's call came first: its run-start is before the window's first report.
    const childStart = events.findIndex((event) => event.type === 'run-start' && event.depth === 1);
    expect(childStart).toBeGreaterThan(-1);
    expect(childStart).toBeLessThan(events.indexOf(changes[0]!));
  });
});

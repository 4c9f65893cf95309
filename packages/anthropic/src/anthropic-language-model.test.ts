import type { ChatMessage } from '@rlm/core';
import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { ANTHROPIC_CONTEXT_1M_BETA, ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS } from './anthropic-language-model';
import { modelFor, serverWith } from './anthropic-test-fixture';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are an RLM.' },
  { role: 'user', content: 'How many lines mention Paris?' },
];

const cacheMark = { type: 'ephemeral' };

describe('AnthropicLanguageModel over HTTP', () => {
  it('sends a Messages API request (JSON) and reads text, usage, cost, finish reason and ids', async () => {
    const server = await serverWith({
      text: 'Let me look.\n```repl\nprint(len(context))\n```',
      usage: { inputTokens: 1_200, outputTokens: 30 },
    });
    const model = modelFor(server);
    const result = await model.doGenerate({ messages: conversation });

    const [request] = server.requests;
    expect(server.requests).toHaveLength(1);
    expect(request!.path).toBe('/v1/messages');
    expect(request!.stream).toBe(false);
    expect(request!.headers.authorization ?? request!.headers['x-api-key']).toMatch(/test-key/);
    expect(request!.headers['anthropic-version']).toBeTruthy();
    expect(request!.body).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS,
      system: [{ type: 'text', text: 'You are an RLM.', cache_control: cacheMark }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'How many lines mention Paris?', cache_control: cacheMark }],
        },
      ],
    });

    expect(result.text).toBe('Let me look.\n```repl\nprint(len(context))\n```');
    expect(result.usage).toEqual({
      inputTokens: 1_200,
      outputTokens: 30,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
    });
    expect(result.costUsd).toBeCloseTo((1_200 * 3 + 30 * 15) / 1_000_000, 12);
    expect(result.finishReason).toBe('stop');
    expect(result.response?.id).toMatch(/^msg_/);
    expect(result.response?.modelId).toBe('claude-sonnet-4-6');
  });

  it('streams (SSE) when asked and returns the same result', async () => {
    const reply = {
      text: 'Zürich — 東京 🚀\nline two',
      usage: { inputTokens: 5_000, outputTokens: 64, cachedInputTokens: 4_000, cacheWriteInputTokens: 900 },
      finishReason: 'length' as const,
    };
    const server = await serverWith(reply, reply);
    const streaming = await modelFor(server, { stream: true }).doGenerate({ messages: conversation });
    const json = await modelFor(server, { stream: false }).doGenerate({ messages: conversation });

    expect(server.requests.map((request) => request.stream)).toEqual([true, false]);
    expect(streaming.text).toBe(reply.text);
    expect(streaming.usage).toEqual({
      inputTokens: 5_000,
      outputTokens: 64,
      cachedInputTokens: 4_000,
      cacheWriteInputTokens: 900,
    });
    expect(streaming.finishReason).toBe('length');
    expect({ ...streaming, response: undefined }).toEqual({ ...json, response: undefined });
  });

  it('streams on its own when max_tokens is above what the SDK allows without streaming', async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' });
    const model = modelFor(server);
    await model.doGenerate({ messages: conversation, maxOutputTokens: 21_334 });
    await model.doGenerate({ messages: conversation, maxOutputTokens: 21_333 });
    expect(server.requests.map((request) => [request.maxOutputTokens, request.stream])).toEqual([
      [21_334, true],
      [21_333, false],
    ]);
  });

  it('refuses stream: false with a max_tokens the SDK will not wait for, unless a timeout is set', async () => {
    const server = await serverWith({ text: 'with a timeout' });
    const error = await modelFor(server, { stream: false })
      .doGenerate({ messages: conversation, maxOutputTokens: 30_000 })
      .catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Remove stream: false, or set the provider's timeout/);
    expect(server.requests).toHaveLength(0);
    const result = await modelFor(server, { stream: false }, { timeout: 60_000 }).doGenerate({
      messages: conversation,
      maxOutputTokens: 30_000,
    });
    expect(result.text).toBe('with a timeout');
    expect(server.requests.map((request) => request.stream)).toEqual([false]);
  });

  it("marks the cached prefix: turn 2 reads turn 1's breakpoint and writes its own", async () => {
    const server = await serverWith(
      {
        text: '```repl\nprint(context[:100])\n```',
        usage: { inputTokens: 3_000, outputTokens: 20, cacheWriteInputTokens: 2_990 },
      },
      {
        text: '```repl\nFINAL(3)\n```',
        usage: { inputTokens: 3_200, outputTokens: 10, cachedInputTokens: 2_990, cacheWriteInputTokens: 200 },
      },
    );
    const model = modelFor(server);
    const turn1 = await model.doGenerate({ messages: conversation });
    const history: ChatMessage[] = [
      ...conversation,
      { role: 'assistant', content: turn1.text },
      { role: 'user', content: 'Output: Paris, Paris, Paris\nTurn 2/30' },
    ];
    const turn2 = await model.doGenerate({ messages: history });

    const [first, second] = server.requests;
    expect(first!.body.system).toEqual([{ type: 'text', text: 'You are an RLM.', cache_control: cacheMark }]);
    expect(first!.body.messages).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: 'How many lines mention Paris?', cache_control: cacheMark }],
      },
    ]);
    expect(second!.body.system).toEqual(first!.body.system);
    expect(second!.body.messages).toEqual([
      // The breakpoint turn 1 ended with: the prefix up to here is read from the cache.
      {
        role: 'user',
        content: [{ type: 'text', text: 'How many lines mention Paris?', cache_control: cacheMark }],
      },
      { role: 'assistant', content: '```repl\nprint(context[:100])\n```' },
      // The new end of the prefix, written for turn 3.
      {
        role: 'user',
        content: [{ type: 'text', text: 'Output: Paris, Paris, Paris\nTurn 2/30', cache_control: cacheMark }],
      },
    ]);
    expect(turn1.usage.cacheWriteInputTokens).toBe(2_990);
    expect(turn2.usage).toEqual({
      inputTokens: 3_200,
      outputTokens: 10,
      cachedInputTokens: 2_990,
      cacheWriteInputTokens: 200,
    });
  });

  it('sends no breakpoints when prompt caching is off, and the 1-hour lifetime when asked', async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' });
    await modelFor(server, { promptCaching: false }).doGenerate({ messages: conversation });
    await modelFor(server, { promptCaching: { ttl: '1h' } }).doGenerate({ messages: conversation });
    const [off, oneHour] = server.requests;
    expect(off!.body.system).toBe('You are an RLM.');
    expect(off!.body.messages).toEqual([{ role: 'user', content: 'How many lines mention Paris?' }]);
    expect(JSON.stringify(off!.body)).not.toContain('cache_control');
    expect(oneHour!.body.system[0].cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  });

  it('prices cache reads and writes at their own rates, or with the pricing override', async () => {
    const usage = {
      inputTokens: 10_000,
      outputTokens: 200,
      cachedInputTokens: 8_000,
      cacheWriteInputTokens: 1_500,
    };
    const server = await serverWith({ text: 'x', usage }, { text: 'x', usage }, { text: 'x', usage });
    const catalog = await modelFor(server).doGenerate({ messages: conversation });
    expect(catalog.costUsd).toBeCloseTo((500 * 3 + 8_000 * 0.3 + 1_500 * 3.75 + 200 * 15) / 1_000_000, 12);

    const pricing = {
      inputPerMillion: 1,
      cachedInputPerMillion: 0.5,
      cacheWriteInputPerMillion: 2,
      outputPerMillion: 10,
    };
    const overridden = await modelFor(server, { pricing }).doGenerate({ messages: conversation });
    expect(overridden.costUsd).toBeCloseTo((500 * 1 + 8_000 * 0.5 + 1_500 * 2 + 200 * 10) / 1_000_000, 12);

    const unknown = await modelFor(server, {}, {}, 'claude-future-9').doGenerate({ messages: conversation });
    expect(unknown.costUsd).toBeUndefined();
    expect(unknown.usage.inputTokens).toBe(10_000);
  });

  it('puts every system message in the system field, never as a message role', async () => {
    const server = await serverWith({ text: 'ok' });
    await modelFor(server, { promptCaching: false }).doGenerate({
      messages: [
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'q' },
      ],
    });
    const [request] = server.requests;
    expect(request!.body.system).toBe('rules');
    expect(request!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user']);
    expect(request!.messages).toEqual([
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'q' },
    ]);
  });

  it("max_tokens: the call's maxOutputTokens, else the model's setting, else the default", async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' }, { text: 'c' });
    await modelFor(server, { maxOutputTokens: 500 }).doGenerate({
      messages: conversation,
      maxOutputTokens: 77,
    });
    await modelFor(server, { maxOutputTokens: 500 }).doGenerate({ messages: conversation });
    await modelFor(server, {}, {}, 'claude-3-5-haiku').doGenerate({ messages: conversation });
    expect(server.requests.map((request) => request.maxOutputTokens)).toEqual([77, 500, 8_192]);
  });

  it('sends temperature and merges providerOptions into the body (the call wins over the model)', async () => {
    const server = await serverWith({ text: 'a' });
    await modelFor(server, {
      temperature: 0.2,
      providerOptions: { top_k: 5, metadata: { user_id: 'model-level' } },
    }).doGenerate({
      messages: conversation,
      providerOptions: { anthropic: { metadata: { user_id: 'call-level' } }, openai: { ignored: true } },
    });
    const { body } = server.requests[0]!;
    expect(body.temperature).toBe(0.2);
    expect(body.top_k).toBe(5);
    expect(body.metadata).toEqual({ user_id: 'call-level' });
    expect(body.ignored).toBeUndefined();
  });

  it('merges extraBody like the deprecated providerOptions setting, over it, and under the call', async () => {
    const server = await serverWith({ text: 'a' });
    await modelFor(server, {
      providerOptions: { top_k: 5, top_p: 0.5 },
      extraBody: { top_k: 7, metadata: { user_id: 'model-level' } },
    }).doGenerate({
      messages: conversation,
      providerOptions: { anthropic: { metadata: { user_id: 'call-level' } } },
    });
    const { body } = server.requests[0]!;
    expect(body.top_p).toBe(0.5);
    expect(body.top_k).toBe(7);
    expect(body.metadata).toEqual({ user_id: 'call-level' });
  });
});

describe('extended thinking', () => {
  const reply = {
    text: 'The answer is 3.',
    reasoningText: 'Count the Paris lines first...',
    usage: { inputTokens: 100, outputTokens: 900, reasoningTokens: 850 },
  };

  it('sends the thinking budget with max_tokens above it and no temperature; the text leaves thinking out', async () => {
    const server = await serverWith(reply, reply);
    const model = modelFor(server, { thinking: { type: 'enabled', budgetTokens: 2_048 } });
    const json = await model.doGenerate({ messages: conversation });
    const streamed = await modelFor(server, {
      thinking: { type: 'enabled', budgetTokens: 2_048 },
      stream: true,
    }).doGenerate({ messages: conversation });

    for (const request of server.requests) {
      expect(request.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2_048 });
      expect(request.body.max_tokens).toBe(2_048 + ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS);
      expect('temperature' in request.body).toBe(false);
    }
    for (const result of [json, streamed]) {
      expect(result.text).toBe('The answer is 3.');
      expect(result.usage.outputTokens).toBe(900);
    }
  });

  it('sends adaptive thinking as it is', async () => {
    const server = await serverWith(reply);
    await modelFor(server, { thinking: { type: 'adaptive' } }).doGenerate({ messages: conversation });
    expect(server.requests[0]!.body.thinking).toEqual({ type: 'adaptive' });
  });

  it('refuses a budget that max_tokens cannot hold, and temperature with thinking, before sending', async () => {
    const server = await serverWith(reply);
    const model = modelFor(server, { thinking: { type: 'enabled', budgetTokens: 4_096 } });
    const error = await model
      .doGenerate({ messages: conversation, maxOutputTokens: 4_096 })
      .catch((caught) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/maxOutputTokens \(4096\) must exceed the thinking budget \(4096\)/);
    expect(() => modelFor(server, { thinking: { type: 'adaptive' }, temperature: 0 })).toThrow(
      /temperature cannot be set together with thinking/,
    );
    expect(() => modelFor(server, { thinking: { type: 'enabled', budgetTokens: 500 } })).toThrow(
      /at least 1024/,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('settings checked when the model is made', () => {
  it("refuses a maxOutputTokens that is not a positive integer, in core's wording, naming the model", async () => {
    const server = await serverWith();
    expect(() => modelFor(server, { maxOutputTokens: 2.5 })).toThrow(
      "'claude-sonnet-4-6': maxOutputTokens must be an integer of at least 1; got 2.5.",
    );
    expect(() => modelFor(server, { maxOutputTokens: 0 })).toThrow(InvalidArgumentError);
    expect(() => modelFor(server, { thinking: { type: 'enabled', budgetTokens: 2048.5 } })).toThrow(
      "'claude-sonnet-4-6': thinking.budgetTokens must be an integer of at least 1024; got 2048.5.",
    );
  });
});

describe('context windows', () => {
  it('knows the catalog window, takes an override, and assumes 200K for unknown models', async () => {
    const server = await serverWith();
    expect(modelFor(server, {}, {}, 'claude-haiku-4-5').contextWindow).toBe(200_000);
    expect(modelFor(server, {}, {}, 'claude-sonnet-4-6').contextWindow).toBe(1_000_000);
    expect(modelFor(server, { contextWindow: 50_000 }).contextWindow).toBe(50_000);
    expect(modelFor(server, {}, {}, 'claude-next').contextWindow).toBe(200_000);
  });

  it('context1M sends the beta header (kept beside the user’s own betas) and opens the 1M window', async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' });
    const model = modelFor(
      server,
      { context1M: true },
      { headers: { 'Anthropic-Beta': 'some-beta-2025' } },
      'claude-sonnet-4-5',
    );
    expect(modelFor(server, {}, {}, 'claude-sonnet-4-5').contextWindow).toBe(200_000);
    expect(model.contextWindow).toBe(1_000_000);
    await model.doGenerate({ messages: conversation });
    expect(server.requests[0]!.headers['anthropic-beta']).toBe(`some-beta-2025,${ANTHROPIC_CONTEXT_1M_BETA}`);

    const native = modelFor(server, { context1M: true }, {}, 'claude-sonnet-4-6');
    await native.doGenerate({ messages: conversation });
    expect(server.requests[1]!.headers['anthropic-beta']).toBeUndefined();
    expect(() => modelFor(server, { context1M: true }, {}, 'claude-haiku-4-5')).toThrow(
      /has no 1M-token context window/,
    );
  });
});

describe('per-call temperature and thinking (root and sub-calls of an RLM differ)', () => {
  it("a call's thinking, in the settings' spelling or the API's, and its temperature, each replace the model's", async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' });
    const warm = modelFor(server, { temperature: 0.7 });
    await warm.doGenerate({
      messages: conversation,
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2_048 } } },
    });
    await warm.doGenerate({ messages: conversation, providerOptions: { anthropic: { temperature: 0 } } });
    const thinking = modelFor(server, { thinking: { type: 'enabled', budgetTokens: 4_096 } });
    await thinking.doGenerate({
      messages: conversation,
      maxOutputTokens: 8_000,
      providerOptions: { anthropic: { temperature: 0.1 } },
    });
    await thinking.doGenerate({
      messages: conversation,
      maxOutputTokens: 8_000,
      providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 1_024 } } },
    });
    const [callThinks, callCold, callWarmer, callThinksLess] = server.requests.map((request) => request.body);
    expect(callThinks).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 2_048 } });
    expect('temperature' in callThinks!).toBe(false);
    expect(callCold).toMatchObject({ temperature: 0 });
    expect('thinking' in callCold!).toBe(false);
    expect(callWarmer).toMatchObject({ temperature: 0.1 });
    expect('thinking' in callWarmer!).toBe(false);
    expect(callThinksLess).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1_024 } });
  });

  it("refuses a call's thinking budget that leaves no room for the answer, before sending", async () => {
    const server = await serverWith({ text: 'a' });
    await expect(
      modelFor(server).doGenerate({
        messages: conversation,
        maxOutputTokens: 1_000,
        providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2_048 } } },
      }),
    ).rejects.toThrow(InvalidArgumentError);
    expect(server.requests).toHaveLength(0);
  });
});

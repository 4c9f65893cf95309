import { createAnthropic } from '@rlm/anthropic';
import { createMemoryCache } from '@rlm/core/cache';
import { MockLanguageModel } from '@rlm/core/testing';
import { createOpenAI } from '@rlm/openai';
import { type RecordedRequest, startTestServer } from '@rlm/test-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/*
 * providerOptions go to the root model's calls, subProviderOptions to sub-calls and to the turns of
 * child RLMs (issue 15, the reference's sampling_args / sub_sampling_args); each call's cache key
 * holds the options it was sent with.
 */

const rootOptions = { openai: { reasoningEffort: 'high', temperature: 1 } };
const subOptions = { openai: { reasoningEffort: 'minimal', temperature: 0 } };

function models() {
  const model = new MockLanguageModel({
    responses: [
      code(
        'const a = await llm_query("sub");\nconst b = await rlm_query("child", "ctx");\nconsole.log(a, b)',
      ),
      code('FINAL("done")'),
    ],
    modelId: 'root',
  });
  const subModel = new MockLanguageModel({
    responses: (request) =>
      request.messages[0]!.role === 'system' ? code('FINAL(await llm_query("grandchild"))') : 'leaf',
    modelId: 'sub',
  });
  return { model, subModel };
}

describe('provider options by role', () => {
  it('root turns get providerOptions; sub-calls and child turns get subProviderOptions', async () => {
    const { model, subModel } = models();
    await quickjsRLM({
      model,
      subModel,
      providerOptions: rootOptions,
      subProviderOptions: subOptions,
      limits: { maxDepth: 2 },
    }).completion('q', { context: 'c' });
    expect(model.calls.map((call) => call.providerOptions)).toEqual([rootOptions, rootOptions]);
    // llm_query, the child's turn, the child's llm_query.
    expect(subModel.calls).toHaveLength(3);
    for (const call of subModel.calls) expect(call.providerOptions).toEqual(subOptions);
  });

  it('without subProviderOptions every call gets providerOptions, as before', async () => {
    const { model, subModel } = models();
    await quickjsRLM({ model, subModel, providerOptions: rootOptions, limits: { maxDepth: 2 } }).completion(
      'q',
      {
        context: 'c',
      },
    );
    for (const call of [...model.calls, ...subModel.calls]) expect(call.providerOptions).toEqual(rootOptions);
  });

  it("the cache keys each call with its own role's options", async () => {
    const cache = createMemoryCache();
    const run = async (sub: typeof subOptions) => {
      const { model, subModel } = models();
      const result = await quickjsRLM({
        model,
        subModel,
        cache,
        providerOptions: rootOptions,
        subProviderOptions: sub,
        limits: { maxDepth: 2 },
      }).completion('q', { context: 'c' });
      return { result, model, subModel };
    };
    await run(subOptions);
    const same = await run(subOptions);
    expect(same.model.calls).toHaveLength(0);
    expect(same.subModel.calls).toHaveLength(0);
    // Other sub-call options: the root turns are still answered from the cache, the sub-calls are sent.
    const other = await run({ openai: { reasoningEffort: 'low', temperature: 0 } });
    expect(other.model.calls).toHaveLength(0);
    expect(other.subModel.calls).toHaveLength(3);
  });
});

type Options = Record<string, Record<string, unknown>>;

const WIRE_CASES: {
  provider: string;
  root: Options;
  sub: Options;
  rootBody: Record<string, unknown>;
  subBody: Record<string, unknown>;
}[] = [
  {
    provider: 'openai',
    root: { openai: { reasoningEffort: 'high' } },
    sub: { openai: { reasoningEffort: 'minimal', temperature: 0 } },
    rootBody: { reasoning_effort: 'high' },
    subBody: { reasoning_effort: 'minimal', temperature: 0 },
  },
  {
    provider: 'anthropic',
    root: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2_048 } } },
    sub: { anthropic: { temperature: 0 } },
    rootBody: { thinking: { type: 'enabled', budget_tokens: 2_048 } },
    subBody: { temperature: 0 },
  },
];

describe.each(WIRE_CASES)('root and sub options over the wire with the $provider provider', ({
  provider,
  root,
  sub,
  rootBody,
  subBody,
}) => {
  it('the root turns carry the root options, the sub-calls the sub options', async () => {
    const respond = (request: RecordedRequest) => {
      if (request.messages[0]?.role !== 'system') return { text: 'leaf' };
      const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
      return { text: turn === 1 ? code('globalThis.a = await llm_query("x")') : code('FINAL(a)') };
    };
    const server = await startTestServer({ respond });
    onTestFinished(() => server.close());
    const model =
      provider === 'openai'
        ? createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-5-mini')
        : createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: 'k' })('claude-sonnet-4-5');
    const result = await quickjsRLM({ model, providerOptions: root, subProviderOptions: sub }).completion(
      'q',
      {
        context: 'c',
      },
    );
    expect(result.answer).toBe('leaf');
    const [first, subCall, second] = server.requests;
    expect(server.requests).toHaveLength(3);
    for (const request of [first, second]) {
      expect(request!.body).toMatchObject(rootBody);
      for (const key of Object.keys(subBody))
        if (!(key in rootBody)) expect(request!.body).not.toHaveProperty(key);
    }
    expect(subCall!.messages[0]!.role).toBe('user');
    expect(subCall!.body).toMatchObject(subBody);
    for (const key of Object.keys(rootBody))
      if (!(key in subBody)) expect(subCall!.body).not.toHaveProperty(key);
  });
});

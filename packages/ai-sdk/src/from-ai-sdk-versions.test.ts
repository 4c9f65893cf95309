import { describe, expect, it } from 'vitest';
import type { AISDKLanguageModel } from './ai-sdk-language-model';
import { AI_SDK_PROVIDERS, serverWith } from './ai-sdk-test-fixture';
import { convertAISDKUsage } from './convert-ai-sdk-usage';
import { fromAISDK } from './from-ai-sdk';
import { mapAISDKFinishReason } from './map-ai-sdk-finish-reason';

const ask = { messages: [{ role: 'user', content: 'x'.repeat(40) }] } as const;

/**
 * AI SDK 7's providers need Node 22, so no V4 provider package can be installed here (Node 20). A V4
 * model differs from a V3 one, for text, in its version tag and the extra finish reason
 * `'interrupted'`: AI SDK 7 itself upgrades V3 models by exactly this relabelling
 * (`asLanguageModelV4`). So a real V3 provider relabelled V4 stands in for one, over real HTTP.
 */
function relabelledV4(model: AISDKLanguageModel): AISDKLanguageModel {
  return new Proxy(model, {
    get: (target, property, receiver) =>
      property === 'specificationVersion' ? 'v4' : Reflect.get(target, property, receiver),
  }) as AISDKLanguageModel;
}

describe('fromAISDK specification versions', () => {
  it('reports which version it wraps: v2 (AI SDK 5), v3 (AI SDK 6), v4 (AI SDK 7)', async () => {
    const server = await serverWith();
    expect(fromAISDK(AI_SDK_PROVIDERS['openai-compatible (v2)'](server)).aiSDKSpecificationVersion).toBe(
      'v2',
    );
    expect(fromAISDK(AI_SDK_PROVIDERS['openai-compatible (v3)'](server)).aiSDKSpecificationVersion).toBe(
      'v3',
    );
    expect(
      fromAISDK(relabelledV4(AI_SDK_PROVIDERS['anthropic (v3)'](server))).aiSDKSpecificationVersion,
    ).toBe('v4');
  });

  it.each([false, true])('runs a v4 model, JSON and streamed (stream: %s)', async (stream) => {
    const server = await serverWith({
      text: 'from v4',
      usage: { inputTokens: 50, outputTokens: 5, cachedInputTokens: 20 },
    });
    const model = fromAISDK(relabelledV4(AI_SDK_PROVIDERS['openai-compatible (v3)'](server)), { stream });
    const result = await model.doGenerate(ask);
    expect(result).toMatchObject({
      text: 'from v4',
      usage: { inputTokens: 50, outputTokens: 5, cachedInputTokens: 20 },
      finishReason: 'stop',
    });
  });
});

describe('mapAISDKFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content-filter', 'content-filter'],
    ['error', 'error'],
    ['tool-calls', 'other'],
    ['other', 'other'],
    ['unknown', 'other'],
    ['interrupted', 'error'],
  ] as const)('%s → %s, as a V2 string and as a V3/V4 { unified, raw }', (reason, expected) => {
    expect(mapAISDKFinishReason(reason)).toBe(expected);
    expect(mapAISDKFinishReason({ unified: reason, raw: 'whatever' })).toBe(expected);
  });

  it('leaves a missing reason missing', () => {
    expect(mapAISDKFinishReason(undefined)).toBeUndefined();
  });
});

describe('convertAISDKUsage', () => {
  it('reads V3/V4 totals, cache reads and writes, reasoning', () => {
    expect(
      convertAISDKUsage(
        {
          inputTokens: { total: 1000, noCache: 100, cacheRead: 800, cacheWrite: 100 },
          outputTokens: { total: 50, text: 20, reasoning: 30 },
        },
        ask,
        'answer',
      ),
    ).toEqual({
      inputTokens: 1000,
      outputTokens: 50,
      cachedInputTokens: 800,
      cacheWriteInputTokens: 100,
      reasoningTokens: 30,
    });
  });

  it('rebuilds missing V3 totals from their parts', () => {
    expect(
      convertAISDKUsage(
        {
          inputTokens: { total: undefined, noCache: 100, cacheRead: 800, cacheWrite: 50 },
          outputTokens: { total: undefined, text: 20, reasoning: 30 },
        },
        ask,
        'answer',
      ),
    ).toMatchObject({ inputTokens: 950, outputTokens: 50 });
  });

  it('reads V2 flat counts', () => {
    expect(
      convertAISDKUsage(
        { inputTokens: 300, outputTokens: 40, cachedInputTokens: 100, reasoningTokens: 10, totalTokens: 340 },
        ask,
        'answer',
      ),
    ).toEqual({ inputTokens: 300, outputTokens: 40, cachedInputTokens: 100, reasoningTokens: 10 });
  });

  it.each([
    ['nothing reported (V3)', { inputTokens: { total: undefined }, outputTokens: { total: undefined } }],
    ['nothing reported (V2)', { inputTokens: undefined, outputTokens: undefined }],
    ['nonsense counts', { inputTokens: -5, outputTokens: Number.NaN }],
    ['no usage at all', undefined],
  ])('estimates from characters when %s', (_name, usage) => {
    expect(convertAISDKUsage(usage as never, ask, 'x'.repeat(12))).toEqual({
      inputTokens: 10,
      outputTokens: 3,
    });
  });
});

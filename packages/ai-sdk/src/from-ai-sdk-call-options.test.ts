import { computeCostUsd, findKnownModelFacts } from '@rlm/core/provider';
import { describe, expect, it } from 'vitest';
import { bridgedModel, serverWith, startServer } from './ai-sdk-test-fixture';
import { convertAISDKUsage } from './convert-ai-sdk-usage';

const ask = { messages: [{ role: 'user', content: 'x' }] } as const;

describe('fromAISDK call options on the wire (openai-compatible)', () => {
  it('sends penalties, seed and headers; leaves out what is not set', async () => {
    const server = await serverWith({ text: 'a' }, { text: 'b' });
    await bridgedModel('openai-compatible (v3)', server, {
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      seed: 42,
      headers: { 'x-team': 'rlm' },
    }).doGenerate(ask);
    await bridgedModel('openai-compatible (v3)', server).doGenerate(ask);
    const [set, unset] = server.requests.map((request) => request.body);
    expect(set).toMatchObject({ presence_penalty: 0.5, frequency_penalty: 0.25, seed: 42 });
    expect(server.requests[0]!.headers['x-team']).toBe('rlm');
    for (const field of [
      'presence_penalty',
      'frequency_penalty',
      'seed',
      'temperature',
      'top_p',
      'stop',
      'max_tokens',
      'user',
    ]) {
      expect(unset, field).not.toHaveProperty(field);
    }
    expect(server.requests[1]!.headers['x-team']).toBeUndefined();
  });

  it('reports the response id and the model that answered', async () => {
    const server = await serverWith({ text: 'a' });
    const result = await bridgedModel('openai-compatible (v3)', server, {}, 'my-model').doGenerate(ask);
    expect(result.response?.modelId).toBe('my-model');
    expect(result.response?.id).toMatch(/^chatcmpl-/);
  });

  it('leaves counts out that the provider did not report, and keeps reported zeros', () => {
    expect(
      convertAISDKUsage({ inputTokens: { total: 7 }, outputTokens: { total: 3 } }, ask, 'a'),
    ).toStrictEqual({ inputTokens: 7, outputTokens: 3 });
    expect(
      convertAISDKUsage(
        { inputTokens: { total: 7, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 3, reasoning: 0 } },
        ask,
        'a',
      ),
    ).toStrictEqual({
      inputTokens: 7,
      outputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      reasoningTokens: 0,
    });
    expect(convertAISDKUsage({ inputTokens: 0, outputTokens: 0 }, ask, 'abcd')).toStrictEqual({
      inputTokens: 0,
      outputTokens: 0,
    });
  });

  it('reports Anthropic cache writes', async () => {
    const server = await serverWith({
      text: 'a',
      usage: { inputTokens: 900, outputTokens: 3, cachedInputTokens: 100, cacheWriteInputTokens: 700 },
    });
    const result = await bridgedModel('anthropic (v3)', server).doGenerate(ask);
    expect(result.usage).toEqual({
      inputTokens: 900,
      outputTokens: 3,
      cachedInputTokens: 100,
      cacheWriteInputTokens: 700,
    });
  });

  it('prices a prompt exactly at the long-context threshold at the normal rate, one token more at the higher', async () => {
    const facts = findKnownModelFacts('gpt-5.4')!;
    const threshold = facts.longContextPricing!.aboveInputTokens;
    const server = await serverWith(
      { text: 'a', usage: { inputTokens: threshold, outputTokens: 1 } },
      { text: 'b', usage: { inputTokens: threshold + 1, outputTokens: 1 } },
    );
    const model = bridgedModel('openai-compatible (v3)', server, {}, 'gpt-5.4');
    const at = await model.doGenerate(ask);
    const above = await model.doGenerate(ask);
    expect(at.costUsd).toBeCloseTo(computeCostUsd(at.usage, facts.pricing), 12);
    expect(above.costUsd).toBeCloseTo(computeCostUsd(above.usage, facts.longContextPricing!.pricing), 12);
  });
});

describe('fromAISDK answerSettings', () => {
  it.each([
    ['maxOutputTokens', 100],
    ['temperature', 0],
    ['topP', 0.9],
    ['topK', 5],
    ['presencePenalty', 0.1],
    ['frequencyPenalty', 0.1],
    ['stopSequences', ['END']],
    ['seed', 1],
    ['providerOptions', { openai: { reasoningEffort: 'low' } }],
    ['answerSettings', 'http://localhost:11434/v1'],
  ])('changes with %s', async (option, value) => {
    const server = await startServer();
    const plain = bridgedModel('openai-compatible (v3)', server).answerSettings;
    const changed = bridgedModel('openai-compatible (v3)', server, { [option]: value }).answerSettings;
    expect(changed).not.toBe(plain);
    expect(JSON.parse(changed)).toMatchObject({ [option === 'answerSettings' ? 'server' : option]: value });
  });
});

describe('fromAISDK abort', () => {
  it.each([
    false,
    true,
  ])('an abort in flight rejects with the caller’s own reason (stream: %s)', async (stream) => {
    const server = await serverWith({ text: 'late', delayMs: 5_000 });
    const controller = new AbortController();
    const reason = new Error('the user left');
    setTimeout(() => controller.abort(reason), 50);
    const error = await bridgedModel('anthropic (v3)', server, { stream })
      .doGenerate({ ...ask, abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBe(reason);
  });

  it('sends nothing and retries nothing once aborted', async () => {
    // A Retry-After wait, so the retry's timing does not depend on jitter.
    const server = await serverWith({ fault: 'rate-limit', retryAfterMs: 10_000 }, { text: 'never' });
    const controller = new AbortController();
    const reason = new Error('stop');
    const model = bridgedModel('openai-compatible (v3)', server);
    const pending = model
      .doGenerate({ ...ask, abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    setTimeout(() => controller.abort(reason), 200);
    expect(await pending).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });
});

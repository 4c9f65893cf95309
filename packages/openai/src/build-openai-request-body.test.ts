import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { buildOpenAIRequestBody } from './build-openai-request-body';

const messages = [
  { role: 'system', content: 'terse' },
  { role: 'user', content: 'hi' },
] as const;

describe('buildOpenAIRequestBody', () => {
  it('sends the model and the messages, and nothing optional unless set', () => {
    expect(
      buildOpenAIRequestBody({ modelId: 'gpt-4.1', messages, reasoningModel: false, stream: false }),
    ).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'terse' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('names the output cap by model family', () => {
    const base = { modelId: 'm', messages, stream: false, maxOutputTokens: 99 };
    expect(buildOpenAIRequestBody({ ...base, reasoningModel: false })).toMatchObject({ max_tokens: 99 });
    expect(buildOpenAIRequestBody({ ...base, reasoningModel: false })).not.toHaveProperty(
      'max_completion_tokens',
    );
    expect(buildOpenAIRequestBody({ ...base, reasoningModel: true })).toMatchObject({
      max_completion_tokens: 99,
    });
    expect(buildOpenAIRequestBody({ ...base, reasoningModel: true })).not.toHaveProperty('max_tokens');
  });

  it('asks for usage in the stream', () => {
    const body = buildOpenAIRequestBody({ modelId: 'm', messages, reasoningModel: false, stream: true });
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('merges extraBody, then the call options over it, camelCase reasoningEffort included', () => {
    const body = buildOpenAIRequestBody({
      modelId: 'm',
      messages,
      reasoningModel: true,
      stream: false,
      temperature: 0.2,
      reasoningEffort: 'low',
      extraBody: { top_k: 20, seed: 1 },
      callProviderOptions: {
        seed: 2,
        reasoningEffort: 'high',
        chat_template_kwargs: { enable_thinking: false },
      },
    });
    expect(body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'terse' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0.2,
      reasoning_effort: 'high',
      top_k: 20,
      seed: 2,
      chat_template_kwargs: { enable_thinking: false },
    });
  });

  it('refuses pass-through fields that would break reading the response', () => {
    const attempt = (callProviderOptions: Record<string, unknown>) => () =>
      buildOpenAIRequestBody({
        modelId: 'm',
        messages,
        reasoningModel: false,
        stream: false,
        callProviderOptions,
      });
    expect(attempt({ stream: true })).toThrow(InvalidArgumentError);
    expect(attempt({ stream: true })).toThrow(
      /providerOptions\.openai\.stream cannot be set.*\{ stream: true \}/,
    );
    expect(attempt({ model: 'other' })).toThrow(/'model' itself/);
    expect(() =>
      buildOpenAIRequestBody({
        modelId: 'm',
        messages,
        reasoningModel: false,
        stream: false,
        extraBody: { messages: [] },
      }),
    ).toThrow(/extraBody\.messages cannot be set/);
  });
});

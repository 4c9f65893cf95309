import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { buildChatRequestBody } from './build-chat-request-body';

const messages = [
  { role: 'system', content: 'terse' },
  { role: 'user', content: 'hi' },
] as const;

describe('buildChatRequestBody', () => {
  it('sends the model and the messages, and nothing optional unless set', () => {
    expect(
      buildChatRequestBody({ modelId: 'gpt-4.1', messages, reasoningModel: false, stream: false }),
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
    expect(buildChatRequestBody({ ...base, reasoningModel: false })).toMatchObject({ max_tokens: 99 });
    expect(buildChatRequestBody({ ...base, reasoningModel: false })).not.toHaveProperty(
      'max_completion_tokens',
    );
    expect(buildChatRequestBody({ ...base, reasoningModel: true })).toMatchObject({
      max_completion_tokens: 99,
    });
    expect(buildChatRequestBody({ ...base, reasoningModel: true })).not.toHaveProperty('max_tokens');
  });

  it('asks for usage in the stream', () => {
    const body = buildChatRequestBody({ modelId: 'm', messages, reasoningModel: false, stream: true });
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('merges extraBody, then the call options over it, camelCase reasoningEffort included', () => {
    const body = buildChatRequestBody({
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
      buildChatRequestBody({
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
      buildChatRequestBody({
        modelId: 'm',
        messages,
        reasoningModel: false,
        stream: false,
        extraBody: { messages: [] },
      }),
    ).toThrow(/extraBody\.messages cannot be set/);
  });
});

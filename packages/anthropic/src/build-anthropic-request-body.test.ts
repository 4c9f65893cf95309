import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { buildAnthropicRequestBody } from './build-anthropic-request-body';

const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'hello' },
] as const;

describe('buildAnthropicRequestBody', () => {
  it('sends the model, max_tokens, system and messages, and nothing optional unless set', () => {
    expect(
      buildAnthropicRequestBody({ modelId: 'claude-haiku-4-5', messages, maxOutputTokens: 100 }),
    ).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello' }],
    });
  });

  it('spells thinking the way the API does, and merges extraBody, then the call options over everything', () => {
    const body = buildAnthropicRequestBody({
      modelId: 'm',
      messages,
      maxOutputTokens: 5_000,
      thinking: { type: 'enabled', budgetTokens: 2_048 },
      extraBody: { top_k: 5, max_tokens: 6_000 },
      callProviderOptions: { top_k: 7 },
    });
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2_048 });
    expect(body.max_tokens).toBe(6_000);
    expect(body.top_k).toBe(7);
    expect(
      buildAnthropicRequestBody({
        modelId: 'm',
        messages,
        maxOutputTokens: 1,
        thinking: { type: 'adaptive' },
      }).thinking,
    ).toEqual({ type: 'adaptive' });
  });

  it('refuses a max_tokens that the thinking budget would use up', () => {
    expect(() =>
      buildAnthropicRequestBody({
        modelId: 'm',
        messages,
        maxOutputTokens: 2_048,
        thinking: { type: 'enabled', budgetTokens: 2_048 },
      }),
    ).toThrow(InvalidArgumentError);
  });
});

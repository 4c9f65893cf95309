import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage } from './convert-openai-usage';

describe('convertOpenAIUsage', () => {
  it('keeps cached and reasoning counts as subsets, as core counts them', () => {
    expect(
      convertOpenAIUsage({
        prompt_tokens: 1234,
        completion_tokens: 56,
        prompt_tokens_details: { cached_tokens: 1000 },
        completion_tokens_details: { reasoning_tokens: 40 },
      }),
    ).toEqual({ inputTokens: 1234, outputTokens: 56, cachedInputTokens: 1000, reasoningTokens: 40 });
  });

  it('leaves out what the server did not report', () => {
    expect(
      convertOpenAIUsage({ prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: null }),
    ).toEqual({
      inputTokens: 3,
      outputTokens: 4,
    });
  });
});

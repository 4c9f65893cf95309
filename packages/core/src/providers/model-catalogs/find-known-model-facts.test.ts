import { describe, expect, it } from 'vitest';
import { ANTHROPIC_MODELS } from './anthropic-model-catalog';
import { findKnownModelFacts } from './find-known-model-facts';
import { OPENAI_MODELS } from './openai-model-catalog';

describe('findKnownModelFacts', () => {
  it.each([
    ['gpt-5-mini', 'gpt-5-mini'],
    ['GPT-5-Mini', 'gpt-5-mini'],
    ['openai/gpt-4.1', 'gpt-4.1'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
  ])('knows the OpenAI model %s', (id, entry) => {
    const facts = OPENAI_MODELS[entry as keyof typeof OPENAI_MODELS];
    expect(findKnownModelFacts(id)).toMatchObject({
      contextWindow: facts.contextWindow,
      pricing: facts.pricing,
    });
  });

  it.each([
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5'],
    ['us.anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4-1'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
  ])('knows the Anthropic model %s', (id, entry) => {
    const facts = ANTHROPIC_MODELS[entry as keyof typeof ANTHROPIC_MODELS];
    expect(findKnownModelFacts(id)).toMatchObject({
      contextWindow: facts.contextWindow,
      pricing: facts.pricing,
    });
  });

  it("carries long-context tiers: OpenAI's and the 1M beta's", () => {
    expect(findKnownModelFacts('gpt-5.4')?.longContextPricing?.aboveInputTokens).toBe(272_000);
    expect(findKnownModelFacts('claude-sonnet-4-5')?.longContextPricing).toEqual({
      aboveInputTokens: 200_000,
      pricing: ANTHROPIC_MODELS['claude-sonnet-4-5'].longContext.pricing,
    });
    expect(findKnownModelFacts('gpt-5-mini')?.longContextPricing).toBeUndefined();
  });

  it.each([
    'llama3.1:8b',
    'qwen2.5-coder',
    'gemini-2.5-pro',
    'constructor',
    '__proto__',
    '',
    'openai/',
  ])('knows nothing of %j', (id) => {
    expect(findKnownModelFacts(id)).toBeUndefined();
  });
});

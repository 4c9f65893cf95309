import { describe, expect, it } from 'vitest';
import { findOpenAIModelFacts, OPENAI_MODELS } from './openai-model-catalog';

describe('findOpenAIModelFacts', () => {
  it('finds exact ids, dated snapshots and OpenRouter ids', () => {
    expect(findOpenAIModelFacts('gpt-5-mini')).toEqual({
      contextWindow: 400_000,
      pricing: { inputPerMillion: 0.25, cachedInputPerMillion: 0.025, outputPerMillion: 2 },
    });
    expect(findOpenAIModelFacts('gpt-4.1-2025-04-14')).toBe(OPENAI_MODELS['gpt-4.1']);
    expect(findOpenAIModelFacts('openai/o4-mini')).toBe(OPENAI_MODELS['o4-mini']);
  });

  it('prefers a snapshot of its own over the undated model', () => {
    expect(findOpenAIModelFacts('gpt-4o-2024-05-13')?.pricing).toEqual({
      inputPerMillion: 5,
      outputPerMillion: 15,
    });
    expect(findOpenAIModelFacts('gpt-4o-2024-08-06')?.pricing.inputPerMillion).toBe(2.5);
  });

  it('knows nothing about local models or inherited object keys', () => {
    expect(findOpenAIModelFacts('Qwen/Qwen3-Coder-30B')).toBeUndefined();
    expect(findOpenAIModelFacts('llama3.1:8b')).toBeUndefined();
    expect(findOpenAIModelFacts('constructor')).toBeUndefined();
    expect(findOpenAIModelFacts('toString')).toBeUndefined();
  });

  it('derives the long-context tier (2x input, 1.5x output above 272K) where OpenAI publishes it', () => {
    expect(findOpenAIModelFacts('gpt-6-sol')?.longContextPricing).toEqual({
      aboveInputTokens: 272_000,
      pricing: {
        inputPerMillion: 4,
        cachedInputPerMillion: 0.4,
        cacheWriteInputPerMillion: 5,
        outputPerMillion: 15,
      },
    });
    expect(findOpenAIModelFacts('gpt-5-mini')?.longContextPricing).toBeUndefined();
  });

  it('has a positive integer window and non-negative prices for every entry, cached below uncached', () => {
    for (const [modelId, facts] of Object.entries(OPENAI_MODELS)) {
      expect(Number.isInteger(facts.contextWindow), modelId).toBe(true);
      expect(facts.contextWindow, modelId).toBeGreaterThan(0);
      expect(facts.pricing.inputPerMillion, modelId).toBeGreaterThan(0);
      expect(facts.pricing.outputPerMillion, modelId).toBeGreaterThanOrEqual(facts.pricing.inputPerMillion);
      if (facts.pricing.cachedInputPerMillion !== undefined) {
        expect(facts.pricing.cachedInputPerMillion, modelId).toBeLessThan(facts.pricing.inputPerMillion);
      }
    }
  });
});

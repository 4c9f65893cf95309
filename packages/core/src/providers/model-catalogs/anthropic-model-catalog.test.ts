import { describe, expect, it } from 'vitest';
import { ANTHROPIC_MODELS, findAnthropicModelFacts } from './anthropic-model-catalog';

describe('findAnthropicModelFacts and ANTHROPIC_MODELS', () => {
  it('resolves dated snapshots and -latest to their alias', () => {
    expect(findAnthropicModelFacts('claude-sonnet-4-5-20250929')).toBe(ANTHROPIC_MODELS['claude-sonnet-4-5']);
    expect(findAnthropicModelFacts('claude-3-5-haiku-latest')).toBe(ANTHROPIC_MODELS['claude-3-5-haiku']);
    expect(findAnthropicModelFacts('claude-unknown-9')).toBeUndefined();
  });

  it('knows nothing about inherited object keys', () => {
    expect(findAnthropicModelFacts('constructor')).toBeUndefined();
    expect(findAnthropicModelFacts('toString')).toBeUndefined();
    expect(findAnthropicModelFacts('__proto__')).toBeUndefined();
  });

  it('follows the published cache multipliers (writes 1.25×, 1-hour writes 2×, reads 0.1×) on every row', () => {
    for (const [id, model] of Object.entries(ANTHROPIC_MODELS)) {
      const { inputPerMillion, cacheWriteInputPerMillion, cachedInputPerMillion } = model.pricing;
      expect([id, cacheWriteInputPerMillion]).toEqual([id, inputPerMillion * 1.25]);
      expect([id, cachedInputPerMillion]).toEqual([id, Math.round(inputPerMillion * 0.1 * 1e6) / 1e6]);
      expect([id, model.cacheWriteOneHourInputPerMillion]).toEqual([id, inputPerMillion * 2]);
    }
  });
});

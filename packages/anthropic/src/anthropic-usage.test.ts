import { describe, expect, it } from 'vitest';
import { ANTHROPIC_MODELS, findAnthropicModel } from './anthropic-model-catalog';
import { computeAnthropicCostUsd, toLanguageModelUsage } from './anthropic-usage';

describe('toLanguageModelUsage', () => {
  it("adds cache reads and writes to Anthropic's uncached input_tokens", () => {
    expect(
      toLanguageModelUsage({
        input_tokens: 100,
        cache_read_input_tokens: 4_000,
        cache_creation_input_tokens: 900,
        output_tokens: 250,
        output_tokens_details: { thinking_tokens: 200 },
      }),
    ).toEqual({
      inputTokens: 5_000,
      outputTokens: 250,
      cachedInputTokens: 4_000,
      cacheWriteInputTokens: 900,
      reasoningTokens: 200,
    });
  });

  it('treats null cache fields as zero and leaves reasoning out when not reported', () => {
    expect(
      toLanguageModelUsage({
        input_tokens: 7,
        output_tokens: 3,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
      }),
    ).toEqual({ inputTokens: 7, outputTokens: 3, cachedInputTokens: 0, cacheWriteInputTokens: 0 });
  });
});

describe('computeAnthropicCostUsd', () => {
  const sonnet = findAnthropicModel('claude-sonnet-4-5');

  it('prices uncached input, cache reads, 5-minute cache writes and output at their own rates', () => {
    const wire = {
      input_tokens: 100_000,
      cache_read_input_tokens: 50_000,
      cache_creation_input_tokens: 20_000,
      output_tokens: 10_000,
    };
    const cost = computeAnthropicCostUsd(toLanguageModelUsage(wire), wire, undefined, sonnet);
    // $3 input, $0.30 cache read, $3.75 cache write, $15 output per million tokens.
    expect(cost).toBeCloseTo(0.1 * 3 + 0.05 * 0.3 + 0.02 * 3.75 + 0.01 * 15, 12);
  });

  it('prices 1-hour cache writes at twice the input price', () => {
    const wire = {
      input_tokens: 0,
      cache_creation_input_tokens: 100_000,
      cache_creation: { ephemeral_5m_input_tokens: 40_000, ephemeral_1h_input_tokens: 60_000 },
      output_tokens: 0,
    };
    // 40K at $3.75 (5-minute) and 60K at $6 (1-hour) per million.
    expect(computeAnthropicCostUsd(toLanguageModelUsage(wire), wire, undefined, sonnet)).toBeCloseTo(
      0.04 * 3.75 + 0.06 * 6,
      12,
    );
  });

  it('switches Sonnet 4.5 to the long-context rates above 200K prompt tokens', () => {
    const wire = { input_tokens: 200_001, output_tokens: 1_000_000 };
    expect(computeAnthropicCostUsd(toLanguageModelUsage(wire), wire, undefined, sonnet)).toBeCloseTo(
      0.200001 * 6 + 22.5,
      9,
    );
    const within = { input_tokens: 200_000, output_tokens: 0 };
    expect(computeAnthropicCostUsd(toLanguageModelUsage(within), within, undefined, sonnet)).toBeCloseTo(
      0.6,
      12,
    );
  });

  it('uses the pricing override as given, and knows no price for an unknown model', () => {
    const wire = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
    const usage = toLanguageModelUsage(wire);
    expect(computeAnthropicCostUsd(usage, wire, { inputPerMillion: 1, outputPerMillion: 2 }, sonnet)).toBe(3);
    expect(computeAnthropicCostUsd(usage, wire, undefined, undefined)).toBeUndefined();
  });
});

describe('the model catalog', () => {
  it('resolves dated snapshots and -latest to their alias', () => {
    expect(findAnthropicModel('claude-sonnet-4-5-20250929')).toBe(ANTHROPIC_MODELS['claude-sonnet-4-5']);
    expect(findAnthropicModel('claude-3-5-haiku-latest')).toBe(ANTHROPIC_MODELS['claude-3-5-haiku']);
    expect(findAnthropicModel('claude-unknown-9')).toBeUndefined();
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

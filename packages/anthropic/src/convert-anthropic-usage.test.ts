import { describe, expect, it } from 'vitest';
import { findAnthropicModelFacts } from './anthropic-model-catalog';
import { computeAnthropicCostUsd, convertAnthropicUsage } from './convert-anthropic-usage';

describe('convertAnthropicUsage', () => {
  it("adds cache reads and writes to Anthropic's uncached input_tokens", () => {
    expect(
      convertAnthropicUsage({
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
      convertAnthropicUsage({
        input_tokens: 7,
        output_tokens: 3,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
      }),
    ).toEqual({ inputTokens: 7, outputTokens: 3, cachedInputTokens: 0, cacheWriteInputTokens: 0 });
  });
});

describe('computeAnthropicCostUsd', () => {
  const sonnet = findAnthropicModelFacts('claude-sonnet-4-5');

  it('prices uncached input, cache reads, 5-minute cache writes and output at their own rates', () => {
    const wire = {
      input_tokens: 100_000,
      cache_read_input_tokens: 50_000,
      cache_creation_input_tokens: 20_000,
      output_tokens: 10_000,
    };
    const cost = computeAnthropicCostUsd(convertAnthropicUsage(wire), wire, undefined, sonnet);
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
    expect(computeAnthropicCostUsd(convertAnthropicUsage(wire), wire, undefined, sonnet)).toBeCloseTo(
      0.04 * 3.75 + 0.06 * 6,
      12,
    );
  });

  it('switches Sonnet 4.5 to the long-context rates above 200K prompt tokens', () => {
    const wire = { input_tokens: 200_001, output_tokens: 1_000_000 };
    expect(computeAnthropicCostUsd(convertAnthropicUsage(wire), wire, undefined, sonnet)).toBeCloseTo(
      0.200001 * 6 + 22.5,
      9,
    );
    const within = { input_tokens: 200_000, output_tokens: 0 };
    expect(computeAnthropicCostUsd(convertAnthropicUsage(within), within, undefined, sonnet)).toBeCloseTo(
      0.6,
      12,
    );
  });

  it('uses the pricing override as given, and knows no price for an unknown model', () => {
    const wire = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
    const usage = convertAnthropicUsage(wire);
    expect(computeAnthropicCostUsd(usage, wire, { inputPerMillion: 1, outputPerMillion: 2 }, sonnet)).toBe(3);
    expect(computeAnthropicCostUsd(usage, wire, undefined, undefined)).toBeUndefined();
  });
});

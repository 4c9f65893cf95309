import { describe, expect, it } from 'vitest';
import { estimateCostUsd, estimateTokens } from './estimate-cost';
import { findModelFacts } from './model-facts';

const gpt5 = findModelFacts('openai:gpt-5', undefined);
const gpt5Mini = findModelFacts('openai:gpt-5-mini', undefined);
const local = findModelFacts('openai:Qwen/Qwen3-8B', 32_768);

describe("the dry run's estimate", () => {
  it('reads the catalogs: window and prices, or the given window and no price', () => {
    expect(gpt5).toMatchObject({
      contextWindow: 400_000,
      pricing: { inputPerMillion: 1.25, outputPerMillion: 10 },
    });
    expect(findModelFacts('anthropic:claude-haiku-4-5', undefined)).toMatchObject({
      contextWindow: 200_000,
      pricing: { inputPerMillion: 1 },
    });
    expect(local).toEqual({ id: 'openai:Qwen/Qwen3-8B', contextWindow: 32_768, pricing: undefined });
  });

  it('the base model reads what fits: all of a small context, its window of a large one', () => {
    expect(estimateTokens('base', 8_192, gpt5, gpt5)).toEqual({
      calls: 1,
      inputTokens: 8_492,
      outputTokens: 500,
    });
    expect(estimateTokens('base', 1_048_576, gpt5, gpt5)).toEqual({
      calls: 1,
      inputTokens: 400_000 - 4_096 + 300,
      outputTokens: 500,
    });
    expect(estimateCostUsd('base', 8_192, gpt5, gpt5)).toBeCloseTo((8_492 * 1.25 + 500 * 10) / 1e6, 12);
  });

  it('the summary agent reads a context larger than its window once, in parts, plus notes', () => {
    const part = 400_000 - 4_096 - 4_500;
    const parts = Math.ceil(1_048_576 / part);
    expect(estimateTokens('summary-agent', 1_048_576, gpt5, gpt5)).toEqual({
      calls: parts + 1,
      inputTokens: 1_048_576 + (parts + 1) * 4_500,
      outputTokens: parts * 2_000 + 500,
    });
    expect(estimateTokens('summary-agent', 8_192, gpt5, gpt5)).toEqual(
      estimateTokens('base', 8_192, gpt5, gpt5),
    );
  });

  it('RLM sub-calls are priced at the sub-model, the root turns at the root model', () => {
    const sameModel = estimateCostUsd('rlm-depth-1', 131_072, gpt5, gpt5) as number;
    const cheaperSub = estimateCostUsd('rlm-depth-1', 131_072, gpt5, gpt5Mini) as number;
    expect(cheaperSub).toBeLessThan(sameModel);
    const noSub = estimateCostUsd('rlm-no-sub-calls', 131_072, gpt5, gpt5Mini) as number;
    expect(estimateCostUsd('rlm-no-sub-calls', 1_048_576, gpt5, gpt5Mini)).toBe(noSub);
    expect(estimateCostUsd('rlm-depth-2', 131_072, gpt5, gpt5Mini)).toBeCloseTo(cheaperSub * 1.5, 9);
  });

  it('grows with the size for every strategy that reads the context, and is unknown without a price', () => {
    for (const strategy of ['base', 'summary-agent', 'codeact-bm25', 'rlm-depth-1', 'rlm-depth-2'] as const) {
      expect(estimateCostUsd(strategy, 131_072, gpt5, gpt5Mini) as number, strategy).toBeGreaterThan(
        estimateCostUsd(strategy, 8_192, gpt5, gpt5Mini) as number,
      );
      expect(estimateCostUsd(strategy, 8_192, local, local)).toBeUndefined();
    }
  });
});

import type { ModelPricing } from '../model-pricing';

/** What is known about one Anthropic model. */
export interface AnthropicModelFacts {
  /** Context window in tokens without any beta header. */
  readonly contextWindow: number;
  /** The context window with the `context-1m-2025-08-07` beta header, for models that have it as a beta. */
  readonly betaContextWindow?: number;
  /** The most output tokens the model accepts as `max_tokens`. */
  readonly maxOutputTokens: number;
  /** Prices with 5-minute cache writes (the default cache lifetime). */
  readonly pricing: ModelPricing;
  /** The price of 1-hour cache writes, per million tokens (2× the input price). */
  readonly cacheWriteOneHourInputPerMillion: number;
  /**
   * Prices for the whole request once its prompt (cache reads and writes included) exceeds
   * `thresholdTokens`: the long-context surcharge of the 1M-token beta.
   */
  readonly longContext?: {
    readonly thresholdTokens: number;
    readonly pricing: ModelPricing;
    readonly cacheWriteOneHourInputPerMillion: number;
  };
}

/**
 * Anthropic's cache multipliers (pricing page, "Prompt caching"): 5-minute writes cost 1.25× the base
 * input price, 1-hour writes 2×, reads 0.1×. Every row below follows them.
 */
function pricedAt(inputPerMillion: number, outputPerMillion: number) {
  return {
    pricing: {
      inputPerMillion,
      cacheWriteInputPerMillion: round(inputPerMillion * 1.25),
      cachedInputPerMillion: round(inputPerMillion * 0.1),
      outputPerMillion,
    },
    cacheWriteOneHourInputPerMillion: round(inputPerMillion * 2),
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const opusCurrent = pricedAt(5, 25);
const opusPrevious = pricedAt(15, 75);
const sonnet = pricedAt(3, 15);
// Sonnet 4 and 4.5 with the 1M beta: above 200K prompt tokens the whole request costs $6 / $22.50.
const sonnetLongContext = { thresholdTokens: 200_000, ...pricedAt(6, 22.5) };

/**
 * Known Anthropic models, by the alias ids the API accepts (dated snapshots such as
 * `claude-sonnet-4-5-20250929` resolve to their alias).
 *
 * Prices in US dollars per million tokens, as of 2026-11-27. Sources:
 * - platform.claude.com/docs/en/about-claude/pricing ("Model pricing" table): Opus 4.5–4.8 and Opus 5
 *   ($5 / $6.25 / $0.50 / $25), Opus 4 and 4.1 ($15 / $18.75 / $1.50 / $75);
 * - docs.anthropic.com/en/docs/about-claude/pricing (earlier revision of the same table): Sonnet 4 and
 *   3.7 ($3 / $3.75 / $0.30 / $15), Haiku 3.5 ($0.80 / $1 / $0.08 / $4), and the long-context rates of the
 *   1M beta ($6 / $22.50 above 200K input tokens);
 * - platform.claude.com/docs/en/models/<model>/overview: context windows, maximum outputs and base
 *   prices of Opus 4.5–4.8, Sonnet 4.5, Sonnet 4.6, Sonnet 5 (cache prices listed there too) and Haiku 4.5.
 * Cache prices of Sonnet 4.5, Sonnet 4.6 and Haiku 4.5 are derived from the published multipliers
 * (not read from a table row). Not verified: the context window of Opus 4 and 4.1 (200K, from
 * third-party listings). Override any of it per model with `pricing` and `contextWindow`.
 */
export const ANTHROPIC_MODELS = {
  'claude-opus-5': { contextWindow: 1_000_000, maxOutputTokens: 128_000, ...opusCurrent },
  'claude-opus-4-8': { contextWindow: 1_000_000, maxOutputTokens: 128_000, ...opusCurrent },
  'claude-opus-4-7': { contextWindow: 1_000_000, maxOutputTokens: 128_000, ...opusCurrent },
  'claude-opus-4-6': { contextWindow: 1_000_000, maxOutputTokens: 128_000, ...opusCurrent },
  'claude-opus-4-5': { contextWindow: 200_000, maxOutputTokens: 64_000, ...opusCurrent },
  'claude-opus-4-1': { contextWindow: 200_000, maxOutputTokens: 32_000, ...opusPrevious },
  'claude-opus-4-0': { contextWindow: 200_000, maxOutputTokens: 32_000, ...opusPrevious },
  'claude-opus-4': { contextWindow: 200_000, maxOutputTokens: 32_000, ...opusPrevious },
  'claude-sonnet-5': {
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: {
      inputPerMillion: 2,
      cacheWriteInputPerMillion: 2.5,
      cachedInputPerMillion: 0.2,
      outputPerMillion: 10,
    },
    cacheWriteOneHourInputPerMillion: 4,
  },
  'claude-sonnet-4-6': { contextWindow: 1_000_000, maxOutputTokens: 128_000, ...sonnet },
  'claude-sonnet-4-5': {
    contextWindow: 200_000,
    betaContextWindow: 1_000_000,
    maxOutputTokens: 64_000,
    ...sonnet,
    longContext: sonnetLongContext,
  },
  'claude-sonnet-4-0': {
    contextWindow: 200_000,
    betaContextWindow: 1_000_000,
    maxOutputTokens: 64_000,
    ...sonnet,
    longContext: sonnetLongContext,
  },
  'claude-sonnet-4': {
    contextWindow: 200_000,
    betaContextWindow: 1_000_000,
    maxOutputTokens: 64_000,
    ...sonnet,
    longContext: sonnetLongContext,
  },
  'claude-3-7-sonnet': { contextWindow: 200_000, maxOutputTokens: 64_000, ...sonnet },
  'claude-haiku-4-5': { contextWindow: 200_000, maxOutputTokens: 64_000, ...pricedAt(1, 5) },
  'claude-3-5-haiku': { contextWindow: 200_000, maxOutputTokens: 8_192, ...pricedAt(0.8, 4) },
} as const satisfies Record<string, AnthropicModelFacts>;

/** The model ids the catalog knows prices and windows for; any other id works too. */
export type AnthropicKnownModelId = keyof typeof ANTHROPIC_MODELS;

/** Any Anthropic model id; known ones autocomplete. */
export type AnthropicModelId = AnthropicKnownModelId | (string & {});

/** The context window `@rlm/anthropic` assumes for a model the catalog does not know. */
export const ANTHROPIC_DEFAULT_CONTEXT_WINDOW = 200_000;

/**
 * What the catalog knows about `modelId`: exact alias first, then without a snapshot date
 * (`-20250929`) or a `-latest` suffix. Unknown ids (and names an object inherits, such as
 * `constructor`) give `undefined`.
 */
export function findAnthropicModelFacts(modelId: string): AnthropicModelFacts | undefined {
  const known: Readonly<Record<string, AnthropicModelFacts>> = ANTHROPIC_MODELS;
  if (Object.hasOwn(known, modelId)) return known[modelId];
  const alias = modelId.replace(/-(\d{8}|latest)$/, '');
  return alias !== modelId && Object.hasOwn(known, alias) ? known[alias] : undefined;
}

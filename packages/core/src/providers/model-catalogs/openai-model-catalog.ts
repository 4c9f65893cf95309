import type { LongContextPricing, ModelPricing } from '../model-pricing';

/** What is known about one of OpenAI's models. */
export interface OpenAIModelFacts {
  /** Prompt plus output, in tokens. */
  readonly contextWindow: number;
  /** Standard-tier prices per million tokens (Batch, Flex and priority tiers are not modelled). */
  readonly pricing: ModelPricing;
  /** Higher prices that apply to the whole call when the prompt is long. */
  readonly longContextPricing?: LongContextPricing;
}

function price(inputPerMillion: number, cachedInputPerMillion: number | undefined, outputPerMillion: number) {
  return cachedInputPerMillion === undefined
    ? { inputPerMillion, outputPerMillion }
    : { inputPerMillion, cachedInputPerMillion, outputPerMillion };
}

/**
 * OpenAI's published rule for its GPT-5.4 and GPT-6 generations: above 272K input tokens the whole
 * request's input (and cached input) costs twice as much and its output 1.5 times as much.
 */
function above272k(pricing: ModelPricing): LongContextPricing {
  return {
    aboveInputTokens: 272_000,
    pricing: {
      inputPerMillion: pricing.inputPerMillion * 2,
      ...(pricing.cachedInputPerMillion === undefined
        ? {}
        : { cachedInputPerMillion: pricing.cachedInputPerMillion * 2 }),
      ...(pricing.cacheWriteInputPerMillion === undefined
        ? {}
        : { cacheWriteInputPerMillion: pricing.cacheWriteInputPerMillion * 2 }),
      outputPerMillion: pricing.outputPerMillion * 1.5,
    },
  };
}

function model(contextWindow: number, pricing: ModelPricing, longContext = false): OpenAIModelFacts {
  return longContext
    ? { contextWindow, pricing, longContextPricing: above272k(pricing) }
    : { contextWindow, pricing };
}

/*
 * Prices in US dollars per million tokens (input, cached input, output) and context windows, as of
 * 2026-11-27. Sources, marked on each line:
 *   [A] OpenAI's own model pages and model overview (developers.openai.com/api/docs/models/…), as indexed;
 *   [B] third-party listings that quote OpenAI's pricing page (Vercel AI Gateway, GitHub Copilot docs,
 *       LiteLLM, OpenRouter, aggregator price tables). Not checked against OpenAI's page itself.
 * Where OpenAI's pages give input and output but not cached input, the cached price follows the
 * family's published ratio (10% of input for GPT-5 and later) and is marked "cached: ratio".
 * Prices change; every entry can be overridden per model with the `pricing` setting.
 */
const catalog = {
  // GPT-6 generation: 1,050,000-token window (922K input + 128K output).
  'gpt-6.2-astra': model(1_050_000, price(8, 0.8, 40), true), // [A] in/out; cached: ratio
  'gpt-6.2-sol': model(1_050_000, price(2, 0.2, 10), true), // [A] in/out; cached: ratio
  'gpt-6.1-sol': model(1_050_000, price(2, 0.2, 10), true), // [A] in/out; cached: ratio
  'gpt-6.1-terra': model(1_050_000, price(1, 0.1, 5), true), // [A] in/out; cached: ratio
  'gpt-6-astra': model(1_050_000, price(10, 1, 50), true), // [A] in/out; cached [B]
  'gpt-6-sol': model(1_050_000, { ...price(2, 0.2, 10), cacheWriteInputPerMillion: 2.5 }, true), // [A] all, long-context rule included
  'gpt-6-luna': model(1_050_000, price(0.1, 0.01, 0.5), true), // [A] in/out; cached [B]
  // GPT-5.6 (`gpt-5.6` is an alias of Sol). Long-context tier not verified, so not applied.
  'gpt-5.6': model(1_050_000, price(4, 0.4, 20)), // [A] in/out; cached [B]
  'gpt-5.6-sol': model(1_050_000, price(4, 0.4, 20)), // [A] in/out; cached [B]
  'gpt-5.6-terra': model(1_050_000, price(2, 0.2, 12)), // [A] in/out; cached [B]
  'gpt-5.6-luna': model(1_050_000, price(0.2, 0.02, 1.2)), // [A] in/out; cached [B]
  // GPT-5.5 and 5.4. Windows from [B]; where sources disagree the smaller one is used.
  'gpt-5.5': model(1_000_000, price(5, 0.5, 30)), // [B]
  'gpt-5.4': model(1_050_000, price(2.5, 0.25, 15), true), // [B], long-context tier [B]
  'gpt-5.4-mini': model(400_000, price(0.75, 0.075, 4.5)), // [B]
  'gpt-5.4-nano': model(400_000, price(0.2, 0.02, 1.25)), // [B]
  // GPT-5 generation: 400,000-token window (272K input + 128K output).
  'gpt-5.2': model(400_000, price(1.75, 0.175, 14)), // [B]
  'gpt-5.1': model(400_000, price(1.25, 0.125, 10)), // [B]
  'gpt-5': model(400_000, price(1.25, 0.125, 10)), // [A] input; cached/output [B]
  'gpt-5-mini': model(400_000, price(0.25, 0.025, 2)), // [A]
  'gpt-5-nano': model(400_000, price(0.05, 0.005, 0.4)), // [A]
  // GPT-4.1: 1,047,576-token window.
  'gpt-4.1': model(1_047_576, price(2, 0.5, 8)), // [B]
  'gpt-4.1-mini': model(1_047_576, price(0.4, 0.1, 1.6)), // [B]
  'gpt-4.1-nano': model(1_047_576, price(0.1, 0.025, 0.4)), // [A]
  // GPT-4o: 128,000-token window. The first snapshot kept its launch price.
  'gpt-4o': model(128_000, price(2.5, 1.25, 10)), // [B]
  'gpt-4o-2024-05-13': model(128_000, price(5, undefined, 15)), // [B]
  'gpt-4o-mini': model(128_000, price(0.15, 0.075, 0.6)), // [B]
  // o-series reasoning models: 200,000-token window.
  o1: model(200_000, price(15, 7.5, 60)), // [B]
  o3: model(200_000, price(2, 0.5, 8)), // [B]
  'o3-mini': model(200_000, price(1.1, 0.55, 4.4)), // [B]
  'o4-mini': model(200_000, price(1.1, 0.275, 4.4)), // [B]
  // Legacy.
  'gpt-4': model(8_192, price(30, undefined, 60)), // [A]
  'gpt-3.5-turbo': model(16_385, price(0.5, undefined, 1.5)), // [A]
} satisfies Record<string, OpenAIModelFacts>;

/** The catalog of known OpenAI models, by model id. */
export const OPENAI_MODELS: Readonly<Record<OpenAIKnownModelId, OpenAIModelFacts>> = catalog;

/** The model ids the catalog knows prices and windows for; any other id works too. */
export type OpenAIKnownModelId = keyof typeof catalog;

/** Any model id (OpenAI's, or a compatible server's); known ones autocomplete. */
export type OpenAIModelId = OpenAIKnownModelId | (string & {});

/**
 * The context window assumed for a model the catalog does not know (a local model), unless the
 * provider's `defaultContextWindow` or the model's `contextWindow` says otherwise.
 */
export const OPENAI_DEFAULT_CONTEXT_WINDOW = 128_000;

/**
 * What is known about `modelId`: an exact entry, else the entry of the model a dated snapshot
 * belongs to (`gpt-4.1-2025-04-14` → `gpt-4.1`). A router prefix `openai/` (OpenRouter) is ignored.
 * Unknown ids (local models on vLLM, Ollama, …) give `undefined`.
 */
export function findOpenAIModelFacts(modelId: string): OpenAIModelFacts | undefined {
  const known: Readonly<Record<string, OpenAIModelFacts>> = catalog;
  const id = modelId.toLowerCase().replace(/^openai\//, '');
  if (Object.hasOwn(known, id)) return known[id];
  const undated = id.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  return undated !== id && Object.hasOwn(known, undated) ? known[undated] : undefined;
}

/** What is known about one of OpenAI's embedding models. */
export interface OpenAIEmbeddingModelFacts {
  /** Length of its vectors when no `dimensions` is asked for. */
  readonly dimensions: number;
  /** The most tokens one value may have. */
  readonly maxInputTokens: number;
  /** Prices per million tokens; embeddings read input only, so `outputPerMillion` is 0. */
  readonly pricing: ModelPricing;
}

/** The most values OpenAI's embeddings API takes in one request. */
export const OPENAI_MAX_EMBEDDING_VALUES_PER_CALL = 2048;

/*
 * Embedding prices in US dollars per million input tokens, standard tier, as of 2026-11-27 [A]
 * (OpenAI's model pages). Every entry can be overridden with the `pricing` setting.
 */
const embeddingCatalog = {
  'text-embedding-3-small': { dimensions: 1536, maxInputTokens: 8192, pricing: price(0.02, undefined, 0) },
  'text-embedding-3-large': { dimensions: 3072, maxInputTokens: 8192, pricing: price(0.13, undefined, 0) },
  'text-embedding-ada-002': { dimensions: 1536, maxInputTokens: 8192, pricing: price(0.1, undefined, 0) },
} satisfies Record<string, OpenAIEmbeddingModelFacts>;

/** The catalog of known OpenAI embedding models, by model id. */
export const OPENAI_EMBEDDING_MODELS: Readonly<
  Record<OpenAIKnownEmbeddingModelId, OpenAIEmbeddingModelFacts>
> = embeddingCatalog;

/** The embedding model ids this package knows prices for; any other id works too. */
export type OpenAIKnownEmbeddingModelId = keyof typeof embeddingCatalog;

/** Any embedding model id (OpenAI's, or a compatible server's such as `nomic-embed-text`). */
export type OpenAIEmbeddingModelId = OpenAIKnownEmbeddingModelId | (string & {});

/** What is known about the embedding model `modelId` (an `openai/` prefix ignored); `undefined` if unknown. */
export function findOpenAIEmbeddingModelFacts(modelId: string): OpenAIEmbeddingModelFacts | undefined {
  const known: Readonly<Record<string, OpenAIEmbeddingModelFacts>> = embeddingCatalog;
  const id = modelId.toLowerCase().replace(/^openai\//, '');
  return Object.hasOwn(known, id) ? known[id] : undefined;
}

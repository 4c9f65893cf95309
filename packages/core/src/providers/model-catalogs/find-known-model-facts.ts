import type { LongContextPricing, ModelPricing } from '../model-pricing';
import { findAnthropicModelFacts } from './anthropic-model-catalog';
import { findOpenAIModelFacts } from './openai-model-catalog';

/** A known model's window and prices, whoever serves it. */
export interface KnownModelFacts {
  /** Prompt plus output, in tokens (without any beta that widens it). */
  readonly contextWindow: number;
  /** Standard prices per million tokens. */
  readonly pricing: ModelPricing;
  /** Higher prices for the whole call above a prompt size, when the model has such a tier. */
  readonly longContextPricing?: LongContextPricing;
}

/**
 * The window and prices of a model from its id, as routers and clouds spell it: OpenAI's and
 * Anthropic's own ids and dated snapshots, with a gateway prefix (`openai/gpt-5-mini`,
 * `anthropic/claude-sonnet-4.5`), Bedrock's form (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`) or
 * Vertex's (`claude-sonnet-4-5@20250929`). For plugins that wrap models of any provider (the AI SDK
 * bridge); `undefined` for ids the catalogs do not know (local models, other vendors).
 */
export function findKnownModelFacts(modelId: string): KnownModelFacts | undefined {
  for (const id of candidateIds(modelId)) {
    const openai = findOpenAIModelFacts(id);
    if (openai) return openai;
    const anthropic = findAnthropicModelFacts(id);
    if (anthropic) {
      return {
        contextWindow: anthropic.contextWindow,
        pricing: anthropic.pricing,
        ...(anthropic.longContext
          ? {
              longContextPricing: {
                aboveInputTokens: anthropic.longContext.thresholdTokens,
                pricing: anthropic.longContext.pricing,
              },
            }
          : {}),
      };
    }
  }
  return undefined;
}

/** The id as given, then rewritten from the spellings of gateways and clouds to the vendor's own. */
function candidateIds(modelId: string): string[] {
  const given = modelId.trim().toLowerCase();
  const withoutVendor = given.replace(/^(openai|anthropic)\//, '');
  const bedrock = withoutVendor
    .replace(/^(us|eu|apac|au|jp|global)\./, '')
    .replace(/^anthropic\./, '')
    .replace(/-v\d+(:\d+)?$/, '');
  const vertex = bedrock.replace(/@(\d{8})$/, '-$1');
  // Gateways write Anthropic's versions with a dot (claude-sonnet-4.5); Anthropic's ids use a dash.
  const dashed = /^claude-/.test(vertex) ? vertex.replace(/(\d)\.(\d)/g, '$1-$2') : vertex;
  return [...new Set([given, withoutVendor, bedrock, vertex, dashed])];
}

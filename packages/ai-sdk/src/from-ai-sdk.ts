import { InvalidArgumentError } from '@rlm/core';
import { checkIntegerSetting } from '@rlm/core/provider';
import { AISDKAdapterLanguageModel } from './ai-sdk-adapter-language-model';
import { type AISDKLanguageModel, SUPPORTED_AI_SDK_SPECIFICATION_VERSIONS } from './ai-sdk-language-model';
import { resolveAISDKModelFacts } from './ai-sdk-model-facts';
import type { FromAISDKOptions } from './from-ai-sdk-options';

/**
 * Turns an AI SDK language model (any provider: `@ai-sdk/openai`, `@ai-sdk/google`, Bedrock,
 * Mistral, OpenRouter, …; specification V2, V3 or V4, i.e. AI SDK 5, 6 or 7) into an RLM model.
 *
 * ```ts
 * import { anthropic } from '@ai-sdk/anthropic';
 * const rlm = createRLM({ model: fromAISDK(anthropic('claude-sonnet-4-5')), environment });
 * ```
 */
export function fromAISDK(
  model: AISDKLanguageModel,
  options: FromAISDKOptions = {},
): AISDKAdapterLanguageModel {
  checkModel(model);
  checkOptions(options);
  return new AISDKAdapterLanguageModel(model, options, resolveAISDKModelFacts(model.modelId, options));
}

function checkModel(model: unknown): asserts model is AISDKLanguageModel {
  if (typeof model === 'string') {
    throw new InvalidArgumentError({
      argument: 'model',
      message:
        `fromAISDK needs an AI SDK model object, not the string '${model}'. ` +
        "Pass the provider's model, e.g. fromAISDK(openai('gpt-5-mini')) from '@ai-sdk/openai', or gateway('…') for a gateway id.",
    });
  }
  if (typeof model !== 'object' || model === null) {
    throw new InvalidArgumentError({
      argument: 'model',
      message: `fromAISDK needs an AI SDK language model (e.g. openai('gpt-5-mini') from '@ai-sdk/openai'); got ${model === null ? 'null' : typeof model}.`,
    });
  }
  const candidate = model as Record<string, unknown>;
  const version = candidate.specificationVersion;
  if (!SUPPORTED_AI_SDK_SPECIFICATION_VERSIONS.includes(version as never)) {
    throw new InvalidArgumentError({
      argument: 'model.specificationVersion',
      message:
        version === 'v1'
          ? "fromAISDK supports AI SDK language models of specification v2, v3 and v4 (AI SDK 5, 6 and 7); this one is v1 (AI SDK 4). Upgrade the provider package (e.g. '@ai-sdk/openai') to a current major."
          : `fromAISDK supports AI SDK language models of specification v2, v3 and v4 (AI SDK 5, 6 and 7); this one declares ${JSON.stringify(version)}. ` +
            'If it is a newer AI SDK, check for a newer @rlm/ai-sdk; otherwise pass a language model (not an embedding or image model).',
    });
  }
  for (const field of ['provider', 'modelId'] as const) {
    if (typeof candidate[field] !== 'string' || candidate[field] === '') {
      throw new InvalidArgumentError({
        argument: `model.${field}`,
        message: `fromAISDK: the model has no ${field} (got ${String(candidate[field])}); AI SDK language models always have one. Pass the provider's model object itself.`,
      });
    }
  }
  for (const method of ['doGenerate', 'doStream'] as const) {
    if (typeof candidate[method] !== 'function') {
      throw new InvalidArgumentError({
        argument: `model.${method}`,
        message: `fromAISDK: the model has no ${method} method, so it is not an AI SDK language model. Pass a language model (e.g. openai('gpt-5-mini')), not a provider or an embedding model.`,
      });
    }
  }
}

function checkOptions(options: FromAISDKOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      argument: 'options',
      message: `fromAISDK: options must be an object (e.g. { contextWindow: 200_000 }); got ${options === null ? 'null' : typeof options}.`,
    });
  }
  checkIntegerSetting(options.contextWindow, 'contextWindow', 1, 'fromAISDK');
  checkIntegerSetting(options.maxOutputTokens, 'maxOutputTokens', 1, 'fromAISDK');
  checkIntegerSetting(options.maxRetries, 'maxRetries', 0, 'fromAISDK');
}

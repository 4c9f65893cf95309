import { InvalidArgumentError } from '@rlm/core';
import { checkIntegerSetting, checkPositiveSetting } from '@rlm/core/provider';
import { lazyOpenAIConnection, openAIBaseURL } from './openai-connection';
import { OpenAIEmbeddingModel, type OpenAIEmbeddingModelSettings } from './openai-embedding-model';
import { OpenAILanguageModel } from './openai-language-model';
import {
  OPENAI_DEFAULT_CONTEXT_WINDOW,
  type OpenAIEmbeddingModelId,
  type OpenAIModelId,
} from './openai-model-catalog';
import type { OpenAIModelSettings } from './openai-model-settings';
import type { OpenAIProviderSettings } from './openai-provider-settings';

/** Makes models: `provider('gpt-5-mini', { reasoningEffort: 'low' })`. */
export interface OpenAIProvider {
  (modelId: OpenAIModelId, settings?: OpenAIModelSettings): OpenAILanguageModel;
  /** The same as calling the provider. */
  languageModel(modelId: OpenAIModelId, settings?: OpenAIModelSettings): OpenAILanguageModel;
  /**
   * An embedding model on the same connection: `openai.embedding('text-embedding-3-small')`, or a
   * compatible server's (`createOpenAI({ baseURL, name: 'ollama' }).embedding('nomic-embed-text')`).
   */
  embedding(modelId: OpenAIEmbeddingModelId, settings?: OpenAIEmbeddingModelSettings): OpenAIEmbeddingModel;
  /** The provider id its models report (`settings.name`, default `'openai'`). */
  readonly providerId: string;
}

/**
 * A provider for OpenAI's Chat Completions API or any server that speaks it (vLLM, Ollama,
 * LM Studio, OpenRouter, …). Nothing is read from the environment or sent until a model's first
 * call.
 *
 * @example
 * const local = createOpenAI({ baseURL: 'http://localhost:8000/v1', apiKey: 'none', name: 'vllm' });
 * const model = local('Qwen/Qwen3-Coder-30B', { contextWindow: 65_536 });
 */
export function createOpenAI(settings: OpenAIProviderSettings = {}): OpenAIProvider {
  checkIntegerSetting(settings.maxRetries, 'maxRetries', 0);
  checkIntegerSetting(settings.retry?.maxRateLimitRetries, 'retry.maxRateLimitRetries', 0);
  checkPositiveSetting(settings.timeout, 'timeout');
  checkIntegerSetting(settings.defaultContextWindow, 'defaultContextWindow', 1);
  if (settings.name !== undefined && settings.name.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'name',
      message: "name must be a non-empty provider id such as 'vllm' or 'openrouter'.",
    });
  }
  const providerId = settings.name ?? 'openai';
  const config = {
    provider: providerId,
    connect: lazyOpenAIConnection(settings),
    baseURL: () => openAIBaseURL(settings),
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    ...(settings.retry ? { retry: settings.retry } : {}),
    defaultContextWindow: settings.defaultContextWindow ?? OPENAI_DEFAULT_CONTEXT_WINDOW,
  };
  const languageModel = (modelId: OpenAIModelId, modelSettings: OpenAIModelSettings = {}) => {
    if (typeof modelId !== 'string' || modelId.trim() === '') {
      throw new InvalidArgumentError({
        argument: 'modelId',
        message: "The model id must be a non-empty string, e.g. openai('gpt-5-mini').",
      });
    }
    checkIntegerSetting(modelSettings.contextWindow, 'contextWindow', 1);
    checkIntegerSetting(modelSettings.maxOutputTokens, 'maxOutputTokens', 1);
    if (modelSettings.temperature !== undefined && !Number.isFinite(modelSettings.temperature)) {
      throw new InvalidArgumentError({
        argument: 'temperature',
        message: `temperature must be a finite number; got ${String(modelSettings.temperature)}.`,
      });
    }
    return new OpenAILanguageModel(modelId, modelSettings, config);
  };
  const embedding = (modelId: OpenAIEmbeddingModelId, modelSettings: OpenAIEmbeddingModelSettings = {}) => {
    if (typeof modelId !== 'string' || modelId.trim() === '') {
      throw new InvalidArgumentError({
        argument: 'modelId',
        message:
          "The embedding model id must be a non-empty string, e.g. openai.embedding('text-embedding-3-small').",
      });
    }
    checkIntegerSetting(modelSettings.dimensions, 'dimensions', 1);
    checkIntegerSetting(modelSettings.maxValuesPerCall, 'maxValuesPerCall', 1);
    return new OpenAIEmbeddingModel(modelId, modelSettings, config);
  };
  return Object.assign(languageModel, { languageModel, embedding, providerId });
}

/**
 * The default provider: OpenAI's API with the key from `OPENAI_API_KEY` (and `OPENAI_BASE_URL`,
 * when set), read at the first call.
 *
 * @example
 * const model = openai('gpt-5-mini');
 */
export const openai: OpenAIProvider = createOpenAI();

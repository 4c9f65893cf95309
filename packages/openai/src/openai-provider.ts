import { InvalidArgumentError } from '@rlm/core';
import { assertIntegerSetting, assertPositiveSetting } from './assert-setting';
import { OpenAIChatLanguageModel } from './openai-chat-language-model';
import type { OpenAIChatModelSettings } from './openai-chat-model-settings';
import { lazyOpenAIConnection } from './openai-connection';
import type { OpenAIProviderSettings } from './openai-provider-settings';

/** Makes models: `provider('gpt-5-mini', { reasoningEffort: 'low' })`. */
export interface OpenAIProvider {
  (modelId: string, settings?: OpenAIChatModelSettings): OpenAIChatLanguageModel;
  /** The same as calling the provider. */
  languageModel(modelId: string, settings?: OpenAIChatModelSettings): OpenAIChatLanguageModel;
  /** The provider id its models report (`settings.name`, default `'openai'`). */
  readonly providerId: string;
}

const DEFAULT_CONTEXT_WINDOW = 128_000;

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
  assertIntegerSetting(settings.maxRetries, 'maxRetries', 0);
  assertIntegerSetting(settings.retry?.maxRateLimitRetries, 'retry.maxRateLimitRetries', 0);
  assertPositiveSetting(settings.timeout, 'timeout');
  assertIntegerSetting(settings.defaultContextWindow, 'defaultContextWindow', 1);
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
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    ...(settings.retry ? { retry: settings.retry } : {}),
    defaultContextWindow: settings.defaultContextWindow ?? DEFAULT_CONTEXT_WINDOW,
  };
  const languageModel = (modelId: string, modelSettings: OpenAIChatModelSettings = {}) => {
    if (typeof modelId !== 'string' || modelId.trim() === '') {
      throw new InvalidArgumentError({
        argument: 'modelId',
        message: "The model id must be a non-empty string, e.g. openai('gpt-5-mini').",
      });
    }
    assertIntegerSetting(modelSettings.contextWindow, 'contextWindow', 1);
    assertIntegerSetting(modelSettings.maxOutputTokens, 'maxOutputTokens', 1);
    if (modelSettings.temperature !== undefined && !Number.isFinite(modelSettings.temperature)) {
      throw new InvalidArgumentError({
        argument: 'temperature',
        message: `temperature must be a finite number; got ${String(modelSettings.temperature)}.`,
      });
    }
    return new OpenAIChatLanguageModel(modelId, modelSettings, config);
  };
  return Object.assign(languageModel, { languageModel, providerId });
}

/**
 * The default provider: OpenAI's API with the key from `OPENAI_API_KEY` (and `OPENAI_BASE_URL`,
 * when set), read at the first call.
 *
 * @example
 * const model = openai('gpt-5-mini');
 */
export const openai: OpenAIProvider = createOpenAI();

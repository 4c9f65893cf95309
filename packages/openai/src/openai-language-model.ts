import {
  estimateTokens,
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelResult,
  type LanguageModelUsage,
} from '@rlm/core';
import { computeCostUsd, type ModelPricing, retryWithBackoff } from '@rlm/core/provider';
import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { buildOpenAIRequestBody } from './build-openai-request-body';
import { isReasoningModel } from './is-reasoning-model';
import { mapOpenAIError } from './map-openai-error';
import type { OpenAIConnection } from './openai-connection';
import { findOpenAIModelFacts } from './openai-model-catalog';
import type { OpenAILongContextPricing, OpenAIModelSettings } from './openai-model-settings';
import type { OpenAIRetrySettings } from './openai-provider-settings';
import type { OpenAIRequestContext } from './openai-request-context';
import type { OpenAIResponse } from './openai-response';
import { readOpenAIResponse } from './read-openai-response';
import { readOpenAIStream } from './read-openai-stream';

/** What a model gets from the provider that made it. */
export interface OpenAILanguageModelConfig {
  /** The provider id. */
  readonly provider: string;
  /** The SDK client, built on first use. */
  readonly connect: () => OpenAIConnection;
  /** The server's address, read when asked (environment variables may be set after import). */
  readonly baseURL?: () => string;
  /** Default: core's (4 retries, and 10 more for rate limits). */
  readonly maxRetries?: number;
  readonly retry?: OpenAIRetrySettings;
  readonly defaultContextWindow: number;
}

/**
 * A model behind the Chat Completions API of OpenAI or of an OpenAI-compatible server. Made by
 * `openai(modelId, settings)` / `createOpenAI(...)(modelId, settings)`; implements core's
 * `LanguageModel` (v1).
 */
export class OpenAILanguageModel implements LanguageModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
  /** The prices used for `costUsd`; `undefined` for models of unknown price (no cost is reported). */
  readonly pricing: ModelPricing | undefined;
  /** The prices for long prompts, when the model has such a tier. */
  readonly longContextPricing: OpenAILongContextPricing | undefined;
  /** Whether the output cap is sent as `max_completion_tokens` (true) or `max_tokens` (false). */
  readonly reasoningModel: boolean;
  readonly settings: OpenAIModelSettings;
  private readonly config: OpenAILanguageModelConfig;

  constructor(modelId: string, settings: OpenAIModelSettings, config: OpenAILanguageModelConfig) {
    const facts = findOpenAIModelFacts(modelId);
    this.provider = config.provider;
    this.modelId = modelId;
    this.settings = settings;
    this.config = config;
    this.contextWindow = settings.contextWindow ?? facts?.contextWindow ?? config.defaultContextWindow;
    this.pricing = settings.pricing ?? facts?.pricing;
    // The catalog's tier is derived from the catalog's prices, so it does not apply to the user's own.
    this.longContextPricing =
      settings.longContextPricing ?? (settings.pricing === undefined ? facts?.longContextPricing : undefined);
    this.reasoningModel = settings.reasoningModel ?? isReasoningModel(modelId);
  }

  /**
   * The server and the settings that change answers, for the keys of cached calls (core's
   * `LanguageModel.answerSettings`); never the API key or headers. Pricing, context window and
   * streaming do not change an answer, so they are left out.
   */
  get answerSettings(): string {
    const { temperature, maxOutputTokens, reasoningEffort, extraBody } = this.settings;
    return JSON.stringify({
      baseURL: this.config.baseURL?.() ?? null,
      temperature: temperature ?? null,
      maxOutputTokens: maxOutputTokens ?? null,
      reasoningEffort: reasoningEffort ?? null,
      reasoningModel: this.reasoningModel,
      extraBody: extraBody ?? null,
    });
  }

  async doGenerate(options: LanguageModelCallOptions): Promise<LanguageModelResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const connection = this.config.connect();
    const maxOutputTokens = options.maxOutputTokens ?? this.settings.maxOutputTokens;
    const body = buildOpenAIRequestBody({
      modelId: this.modelId,
      messages: options.messages,
      reasoningModel: this.reasoningModel,
      stream: this.settings.stream ?? false,
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(this.settings.temperature === undefined ? {} : { temperature: this.settings.temperature }),
      ...(this.settings.reasoningEffort === undefined
        ? {}
        : { reasoningEffort: this.settings.reasoningEffort }),
      ...(this.settings.extraBody ? { extraBody: this.settings.extraBody } : {}),
      ...this.callProviderOptions(options),
    });
    const context: OpenAIRequestContext = {
      provider: this.provider,
      modelId: this.modelId,
      baseURL: connection.baseURL,
      isOpenAIHost: connection.isOpenAIHost,
      apiKeySource: connection.apiKeySource,
      contextWindow: this.contextWindow,
      timeoutMs: connection.timeoutMs,
    };
    let generated: OpenAIResponse;
    try {
      generated = await retryWithBackoff(() => this.attempt(connection.client, body, context, signal), {
        ...this.config.retry,
        ...(this.config.maxRetries === undefined ? {} : { maxRetries: this.config.maxRetries }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
    const usage = generated.usage ?? estimateUsage(options, generated.text);
    const pricing = this.pricingFor(usage);
    return {
      text: generated.text,
      usage,
      ...(pricing ? { costUsd: computeCostUsd(usage, pricing) } : {}),
      ...(generated.finishReason ? { finishReason: generated.finishReason } : {}),
      response: generated.response,
    };
  }

  private async attempt(
    client: OpenAI,
    body: Record<string, unknown>,
    context: OpenAIRequestContext,
    signal: AbortSignal | undefined,
  ): Promise<OpenAIResponse> {
    const requestOptions = signal ? { signal } : undefined;
    try {
      if (body.stream === true) {
        const chunks = await client.chat.completions.create(
          body as unknown as ChatCompletionCreateParamsStreaming,
          requestOptions,
        );
        return await readOpenAIStream(chunks, context);
      }
      const completion: unknown = await client.chat.completions.create(
        body as unknown as ChatCompletionCreateParamsNonStreaming,
        requestOptions,
      );
      return readOpenAIResponse(completion, context);
    } catch (error) {
      // The SDK turns an abort into its own APIUserAbortError; callers get the reason they gave.
      if (signal?.aborted) throw signal.reason;
      throw mapOpenAIError(error, context);
    }
  }

  /** The call's `providerOptions.openai`, then `providerOptions[name]` over it when the provider has its own name. */
  private callProviderOptions(options: LanguageModelCallOptions): {
    callProviderOptions?: Readonly<Record<string, unknown>>;
  } {
    const all = options.providerOptions;
    if (!all) return {};
    const own = this.provider === 'openai' ? undefined : all[this.provider];
    const openai = all.openai;
    if (!own && !openai) return {};
    return { callProviderOptions: own && openai ? { ...openai, ...own } : (own ?? openai) };
  }

  private pricingFor(usage: LanguageModelUsage): ModelPricing | undefined {
    const tier = this.longContextPricing;
    return tier && usage.inputTokens > tier.aboveInputTokens ? tier.pricing : this.pricing;
  }
}

/**
 * Token counts from characters, for servers that report no usage (some local servers), so that
 * token budgets still move. Four characters a token, as core estimates everywhere else.
 */
function estimateUsage(options: LanguageModelCallOptions, text: string): LanguageModelUsage {
  let inputTokens = 0;
  for (const message of options.messages) inputTokens += estimateTokens(message.content);
  return { inputTokens, outputTokens: estimateTokens(text) };
}

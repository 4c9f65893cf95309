import type {
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelResult,
  LanguageModelUsage,
} from '@rlm/core';
import { computeCostUsd, type ModelPricing, retryWithBackoff } from '@rlm/core/provider';
import type {
  AISDKCallOptions,
  AISDKGenerateResult,
  AISDKLanguageModel,
  AISDKProviderOptions,
  AISDKSpecificationVersion,
} from './ai-sdk-language-model';
import type { AISDKModelFacts } from './ai-sdk-model-facts';
import { convertAISDKUsage } from './convert-ai-sdk-usage';
import { convertToAISDKPrompt } from './convert-to-ai-sdk-prompt';
import type { FromAISDKOptions } from './from-ai-sdk-options';
import { type AISDKCallContext, mapAISDKError } from './map-ai-sdk-error';
import { mapAISDKFinishReason } from './map-ai-sdk-finish-reason';
import { readAISDKStream } from './read-ai-sdk-stream';

/**
 * An AI SDK language model seen as core's `LanguageModel` (v1). Made by `fromAISDK(model, options)`;
 * each `doGenerate` converts the messages, calls the AI SDK model's `doGenerate` (or `doStream`),
 * and converts text, usage, finish reason and errors back, with core's retries around it.
 */
export class AISDKAdapterLanguageModel implements LanguageModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
  /** The prices used for `costUsd`; `undefined` when neither the options nor the catalog know them. */
  readonly pricing: ModelPricing | undefined;
  /** The AI SDK model's own specification version (`'v2'`, `'v3'` or `'v4'`). */
  readonly aiSDKSpecificationVersion: AISDKSpecificationVersion;
  /** The wrapped AI SDK model. */
  readonly aiSDKModel: AISDKLanguageModel;
  private readonly options: FromAISDKOptions;
  private readonly longContext: AISDKModelFacts['longContextPricing'];

  constructor(model: AISDKLanguageModel, options: FromAISDKOptions, facts: AISDKModelFacts) {
    this.aiSDKModel = model;
    this.aiSDKSpecificationVersion = model.specificationVersion;
    this.options = options;
    this.provider = options.provider ?? model.provider;
    this.modelId = model.modelId;
    this.contextWindow = facts.contextWindow;
    this.pricing = facts.pricing;
    this.longContext = facts.longContextPricing;
  }

  /**
   * Everything of this bridge that changes answers (the AI SDK provider and its model, the sampling
   * settings, default provider options, the user's `answerSettings` naming the server), for the keys
   * of cached calls. Headers are left out: they may hold secrets.
   */
  get answerSettings(): string {
    const o = this.options;
    return JSON.stringify({
      aiSDKProvider: this.aiSDKModel.provider,
      server: o.answerSettings ?? null,
      maxOutputTokens: o.maxOutputTokens ?? null,
      temperature: o.temperature ?? null,
      topP: o.topP ?? null,
      topK: o.topK ?? null,
      presencePenalty: o.presencePenalty ?? null,
      frequencyPenalty: o.frequencyPenalty ?? null,
      stopSequences: o.stopSequences ?? null,
      seed: o.seed ?? null,
      providerOptions: o.providerOptions ?? null,
    });
  }

  async doGenerate(options: LanguageModelCallOptions): Promise<LanguageModelResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const callOptions = this.callOptions(options);
    const context: AISDKCallContext = {
      provider: this.provider,
      modelId: this.modelId,
      contextWindow: this.contextWindow,
    };
    let generated: GeneratedText;
    try {
      generated = await retryWithBackoff(() => this.attempt(callOptions, context, signal), {
        ...this.options.retry,
        ...(this.options.maxRetries === undefined ? {} : { maxRetries: this.options.maxRetries }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
    const usage = convertAISDKUsage(generated.result.usage, options, generated.text);
    const pricing = this.pricingFor(usage);
    const finishReason = mapAISDKFinishReason(generated.result.finishReason);
    const response = generated.result.response;
    return {
      text: generated.text,
      usage,
      ...(pricing ? { costUsd: computeCostUsd(usage, pricing) } : {}),
      ...(finishReason ? { finishReason } : {}),
      ...(response?.id !== undefined || response?.modelId !== undefined
        ? {
            response: {
              ...(response.id === undefined ? {} : { id: response.id }),
              ...(response.modelId === undefined ? {} : { modelId: response.modelId }),
            },
          }
        : {}),
    };
  }

  private async attempt(
    callOptions: AISDKCallOptions,
    context: AISDKCallContext,
    signal: AbortSignal | undefined,
  ): Promise<GeneratedText> {
    try {
      if (this.options.stream) {
        const { stream } = await this.aiSDKModel.doStream(callOptions);
        return await readAISDKStream(stream);
      }
      const result = await this.aiSDKModel.doGenerate(callOptions);
      return { text: textOf(result), result };
    } catch (error) {
      // Providers turn an abort into an AbortError of their own; callers get the reason they gave.
      if (signal?.aborted) throw signal.reason;
      throw mapAISDKError(error, context);
    }
  }

  private callOptions(options: LanguageModelCallOptions): AISDKCallOptions {
    const o = this.options;
    const maxOutputTokens = options.maxOutputTokens ?? o.maxOutputTokens;
    const providerOptions = mergeProviderOptions(o.providerOptions, options.providerOptions);
    return {
      prompt: convertToAISDKPrompt(options.messages),
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
      ...(o.topP === undefined ? {} : { topP: o.topP }),
      ...(o.topK === undefined ? {} : { topK: o.topK }),
      ...(o.presencePenalty === undefined ? {} : { presencePenalty: o.presencePenalty }),
      ...(o.frequencyPenalty === undefined ? {} : { frequencyPenalty: o.frequencyPenalty }),
      ...(o.stopSequences === undefined ? {} : { stopSequences: [...o.stopSequences] }),
      ...(o.seed === undefined ? {} : { seed: o.seed }),
      ...(o.headers === undefined ? {} : { headers: { ...o.headers } }),
      ...(providerOptions === undefined ? {} : { providerOptions }),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    };
  }

  private pricingFor(usage: LanguageModelUsage): ModelPricing | undefined {
    const tier = this.longContext;
    return tier && usage.inputTokens > tier.aboveInputTokens ? tier.pricing : this.pricing;
  }
}

/** The text of one call and the result it came with. */
export interface GeneratedText {
  readonly text: string;
  readonly result: Pick<AISDKGenerateResult, 'usage' | 'finishReason' | 'response'>;
}

/** The generated text: every text part in order (reasoning, tool calls and files are not answers). */
function textOf(result: AISDKGenerateResult): string {
  let text = '';
  for (const part of result.content)
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
  return text;
}

/** The model's default provider options with the call's merged over them, provider by provider. */
function mergeProviderOptions(
  defaults: AISDKProviderOptions | undefined,
  call: LanguageModelCallOptions['providerOptions'],
): AISDKProviderOptions | undefined {
  if (!defaults && !call) return undefined;
  const merged: AISDKProviderOptions = {};
  for (const [name, value] of Object.entries(defaults ?? {})) merged[name] = { ...value };
  // Core types a call's options as unknown values; they come from settings, so they are JSON.
  for (const [name, value] of Object.entries(call ?? {})) {
    merged[name] = { ...merged[name], ...(value as AISDKProviderOptions[string]) };
  }
  return merged;
}

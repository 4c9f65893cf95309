import type Anthropic from '@anthropic-ai/sdk';
import {
  InvalidArgumentError,
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelResult,
} from '@rlm/core';
import { checkIntegerSetting, retryWithBackoff } from '@rlm/core/provider';
import type { AnthropicConnection } from './anthropic-connection';
import {
  ANTHROPIC_DEFAULT_CONTEXT_WINDOW,
  type AnthropicModelFacts,
  findAnthropicModelFacts,
} from './anthropic-model-catalog';
import type { AnthropicModelSettings } from './anthropic-model-settings';
import type { AnthropicCacheControl } from './anthropic-prompt';
import type { AnthropicRetrySettings } from './anthropic-provider-settings';
import type { AnthropicRequestContext } from './anthropic-request-context';
import type { AnthropicResponse } from './anthropic-response';
import { type AnthropicRequestBody, buildAnthropicRequestBody } from './build-anthropic-request-body';
import { computeAnthropicCostUsd, convertAnthropicUsage } from './convert-anthropic-usage';
import { mapAnthropicError, notAMessageError } from './map-anthropic-error';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import { isAnthropicMessage, readAnthropicResponse } from './read-anthropic-response';
import { readAnthropicStream } from './read-anthropic-stream';

/** `max_tokens` when neither the call nor the model settings give one. */
export const ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS = 16_384;

/**
 * Above this `max_tokens` the SDK refuses a non-streaming request (it expects more than 10 minutes of
 * generation at 128,000 tokens an hour), so the provider streams instead.
 */
export const ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS = 21_333;

/** The beta header value that opens the 1M-token window of Sonnet 4 and 4.5. */
export const ANTHROPIC_CONTEXT_1M_BETA = 'context-1m-2025-08-07';

/** What a model gets from the provider that made it. */
export interface AnthropicLanguageModelConfig {
  /** The SDK client, built on first use (the API key is read then). */
  readonly connect: () => AnthropicConnection;
  /** The server's address, read when asked (environment variables may be set after import). */
  readonly baseURL?: () => string;
  /** The provider's extra headers, sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeout?: number;
  /** Default: core's (4 retries, and 10 more for rate limits). */
  readonly maxRetries?: number;
  readonly retry?: AnthropicRetrySettings;
}

/**
 * One Anthropic model behind the `LanguageModel` contract, on the Messages API. Made by
 * `anthropic(modelId, settings)` or `createAnthropic(...)(modelId, settings)`.
 */
export class AnthropicLanguageModel implements LanguageModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'anthropic';
  readonly modelId: string;
  readonly contextWindow: number;
  /** The settings this model was made with. */
  readonly settings: AnthropicModelSettings;
  private readonly known: AnthropicModelFacts | undefined;
  private readonly cacheControl: AnthropicCacheControl | undefined;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    modelId: string,
    settings: AnthropicModelSettings,
    private readonly config: AnthropicLanguageModelConfig,
  ) {
    this.modelId = modelId;
    this.settings = settings;
    this.known = findAnthropicModelFacts(modelId);
    validateSettings(modelId, settings, this.known);

    const useBeta1M =
      settings.context1M === true && (this.known === undefined || this.known.betaContextWindow !== undefined);
    this.headers = withBeta(config.headers ?? {}, useBeta1M ? ANTHROPIC_CONTEXT_1M_BETA : undefined);
    this.contextWindow =
      settings.contextWindow ??
      (useBeta1M
        ? (this.known?.betaContextWindow ?? 1_000_000)
        : (this.known?.contextWindow ?? ANTHROPIC_DEFAULT_CONTEXT_WINDOW));

    const caching = settings.promptCaching ?? true;
    this.cacheControl =
      caching === false
        ? undefined
        : caching === true || caching.ttl === undefined
          ? { type: 'ephemeral' }
          : { type: 'ephemeral', ttl: caching.ttl };
  }

  /**
   * The server and the settings that change answers, for the keys of cached calls (core's
   * `LanguageModel.answerSettings`); never the API key or headers. Pricing, context window,
   * streaming and prompt caching do not change an answer, so they are left out.
   */
  get answerSettings(): string {
    const { temperature, maxOutputTokens, thinking, context1M, extraBody, providerOptions } = this.settings;
    return JSON.stringify({
      baseURL: this.config.baseURL?.() ?? null,
      temperature: temperature ?? null,
      maxOutputTokens: maxOutputTokens ?? null,
      thinking: thinking ?? null,
      context1M: context1M ?? null,
      extraBody: extraBody ?? null,
      providerOptions: providerOptions ?? null,
    });
  }

  async doGenerate(options: LanguageModelCallOptions): Promise<LanguageModelResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const body = this.requestBody(options);
    const stream = this.settings.stream ?? body.max_tokens > ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS;
    if (
      !stream &&
      body.max_tokens > ANTHROPIC_NON_STREAMING_MAX_OUTPUT_TOKENS &&
      this.config.timeout === undefined
    ) {
      // The SDK would refuse with a generic error; say what to change instead.
      throw new InvalidArgumentError({
        argument: 'stream',
        message:
          `'${this.modelId}': max_tokens ${body.max_tokens} may take more than 10 minutes, which Anthropic's SDK ` +
          `will not wait for without streaming. Remove stream: false, or set the provider's timeout.`,
      });
    }
    const connection = this.config.connect();
    const context: AnthropicRequestContext = {
      modelId: this.modelId,
      baseURL: connection.baseURL,
      contextWindow: this.contextWindow,
    };

    const response = await retryWithBackoff(
      () => this.attempt(connection.client, body, stream, context, signal),
      {
        ...(this.config.maxRetries !== undefined ? { maxRetries: this.config.maxRetries } : {}),
        ...this.config.retry,
        ...(signal ? { signal } : {}),
      },
    );

    const usage = convertAnthropicUsage(response.usage);
    const costUsd = computeAnthropicCostUsd(usage, response.usage, this.settings.pricing, this.known);
    const finishReason = mapAnthropicFinishReason(response.stopReason);
    return {
      text: response.text,
      usage,
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(finishReason !== undefined ? { finishReason } : {}),
      response: {
        ...(response.id !== undefined ? { id: response.id } : {}),
        ...(response.model !== undefined ? { modelId: response.model } : {}),
      },
    };
  }

  /** One HTTP attempt; every failure leaves here mapped into core's errors (or as the abort reason). */
  private async attempt(
    client: Anthropic,
    body: AnthropicRequestBody,
    stream: boolean,
    context: AnthropicRequestContext,
    signal: AbortSignal | undefined,
  ): Promise<AnthropicResponse> {
    const requestOptions = {
      maxRetries: 0,
      headers: this.headers,
      ...(signal ? { signal } : {}),
      ...(this.config.timeout !== undefined ? { timeout: this.config.timeout } : {}),
    };
    try {
      if (stream) {
        const events = await client.messages.create(
          { ...body, stream: true } as unknown as Anthropic.MessageCreateParamsStreaming,
          requestOptions,
        );
        const response = await readAnthropicStream(events);
        // The SDK ends a stream quietly when it is aborted; what was read is not the answer.
        signal?.throwIfAborted();
        return response;
      }
      const message: unknown = await client.messages.create(
        body as unknown as Anthropic.MessageCreateParamsNonStreaming,
        requestOptions,
      );
      if (!isAnthropicMessage(message)) {
        throw notAMessageError(context, `expected a Messages API object, got ${describe(message)}`);
      }
      return readAnthropicResponse(message as Anthropic.Message);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw mapAnthropicError(error, context);
    }
  }

  private requestBody(options: LanguageModelCallOptions): AnthropicRequestBody {
    const { settings } = this;
    const extraBody =
      settings.providerOptions && settings.extraBody
        ? { ...settings.providerOptions, ...settings.extraBody }
        : (settings.extraBody ?? settings.providerOptions);
    const callProviderOptions = options.providerOptions?.anthropic;
    return buildAnthropicRequestBody({
      modelId: this.modelId,
      messages: options.messages,
      maxOutputTokens: options.maxOutputTokens ?? settings.maxOutputTokens ?? this.defaultMaxOutputTokens(),
      ...(this.cacheControl ? { cacheControl: this.cacheControl } : {}),
      ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
      ...(settings.thinking ? { thinking: settings.thinking } : {}),
      ...(extraBody ? { extraBody } : {}),
      ...(callProviderOptions ? { callProviderOptions } : {}),
    });
  }

  private defaultMaxOutputTokens(): number {
    const modelMaximum = this.known?.maxOutputTokens ?? Number.POSITIVE_INFINITY;
    const thinkingBudget =
      this.settings.thinking?.type === 'enabled' ? this.settings.thinking.budgetTokens : 0;
    return Math.min(modelMaximum, thinkingBudget + ANTHROPIC_DEFAULT_MAX_OUTPUT_TOKENS);
  }
}

function validateSettings(
  modelId: string,
  settings: AnthropicModelSettings,
  known: AnthropicModelFacts | undefined,
) {
  const { thinking } = settings;
  if (thinking && settings.temperature !== undefined) {
    throw new InvalidArgumentError({
      argument: 'temperature',
      message: `'${modelId}': temperature cannot be set together with thinking (Anthropic requires the default temperature while thinking). Remove one of them.`,
    });
  }
  if (thinking?.type === 'enabled') {
    checkIntegerSetting(thinking.budgetTokens, 'thinking.budgetTokens', 1024, `'${modelId}'`);
  }
  checkIntegerSetting(settings.maxOutputTokens, 'maxOutputTokens', 1, `'${modelId}'`);
  if (
    settings.context1M &&
    known &&
    known.betaContextWindow === undefined &&
    known.contextWindow < 1_000_000
  ) {
    throw new InvalidArgumentError({
      argument: 'context1M',
      message: `'${modelId}' has no 1M-token context window (its window is ${known.contextWindow} tokens). Use a model that has one, e.g. 'claude-sonnet-4-5' or 'claude-sonnet-4-6', or remove context1M.`,
    });
  }
}

/** Adds a beta to the `anthropic-beta` header, keeping betas the user listed (header names are case-insensitive). */
function withBeta(
  headers: Readonly<Record<string, string>>,
  beta: string | undefined,
): Record<string, string> {
  if (beta === undefined) return { ...headers };
  const result: Record<string, string> = {};
  const betas: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'anthropic-beta') betas.push(value);
    else result[name] = value;
  }
  result['anthropic-beta'] = [...betas, beta].join(',');
  return result;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `text starting ${JSON.stringify(value.slice(0, 80))}`;
  return value === null ? 'null' : typeof value;
}

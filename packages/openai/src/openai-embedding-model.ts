import {
  APICallError,
  type EmbeddingModel,
  type EmbeddingModelCallOptions,
  type EmbeddingModelResult,
  estimateTokens,
  InvalidArgumentError,
} from '@rlm/core';
import { computeCostUsd, type ModelPricing, retryWithBackoff } from '@rlm/core/provider';
import type OpenAI from 'openai';
import { mapOpenAIError } from './map-openai-error';
import type { OpenAIConnection } from './openai-connection';
import type { OpenAILanguageModelConfig } from './openai-language-model';
import { findOpenAIEmbeddingModelFacts, OPENAI_MAX_EMBEDDING_VALUES_PER_CALL } from './openai-model-catalog';
import type { OpenAIRequestContext } from './openai-request-context';

/** Settings of one embedding model, the second argument of `openai.embedding(modelId, settings)`. */
export interface OpenAIEmbeddingModelSettings {
  /**
   * Length of the vectors, sent as `dimensions` (the `text-embedding-3` models and servers that
   * support it shorten their vectors). Default: not sent (the model's full length).
   */
  readonly dimensions?: number;
  /** Values sent in one request. Default 2,048 (OpenAI's limit); local servers often want fewer. */
  readonly maxValuesPerCall?: number;
  /** Prices per million tokens (only `inputPerMillion` matters). Default: the catalog's, if it knows the model. */
  readonly pricing?: ModelPricing;
  /**
   * `'base64'` (default, what the OpenAI SDK asks for: a quarter of the bytes) or `'float'`, for a
   * server that does not know base64. Either answer is read.
   */
  readonly encodingFormat?: 'base64' | 'float';
  /** Fields merged into every request body, for a server's own parameters. */
  readonly extraBody?: Readonly<Record<string, unknown>>;
}

/**
 * A model behind the embeddings API (`POST /v1/embeddings`) of OpenAI or of a compatible server
 * (vLLM, Ollama, LM Studio, llama.cpp). Made by `openai.embedding(modelId, settings)`; implements
 * core's `EmbeddingModel` (v1). Vectors come back as `Float32Array`s.
 */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;
  readonly maxValuesPerCall: number;
  /** `settings.dimensions`, else the catalog's length for the model; `undefined` for unknown models. */
  readonly dimensions: number | undefined;
  /** The prices used for `costUsd`; `undefined` for models of unknown price (no cost is reported). */
  readonly pricing: ModelPricing | undefined;
  readonly settings: OpenAIEmbeddingModelSettings;
  private readonly config: OpenAILanguageModelConfig;

  constructor(modelId: string, settings: OpenAIEmbeddingModelSettings, config: OpenAILanguageModelConfig) {
    const facts = findOpenAIEmbeddingModelFacts(modelId);
    this.provider = config.provider;
    this.modelId = modelId;
    this.settings = settings;
    this.config = config;
    this.maxValuesPerCall = settings.maxValuesPerCall ?? OPENAI_MAX_EMBEDDING_VALUES_PER_CALL;
    this.pricing = settings.pricing ?? facts?.pricing;
    this.dimensions = settings.dimensions ?? facts?.dimensions;
  }

  /** Embeds `values`, in requests of at most `maxValuesPerCall` values one after the other. */
  async doEmbed(options: EmbeddingModelCallOptions): Promise<EmbeddingModelResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const { values } = options;
    for (const [index, value] of values.entries()) {
      if (typeof value !== 'string' || value === '') {
        throw new InvalidArgumentError({
          argument: 'values',
          message: `${this.modelId}: values[${index}] must be a non-empty string (the embeddings API refuses empty ones).`,
        });
      }
    }
    const connection = this.config.connect();
    const embeddings: Float32Array[] = [];
    let inputTokens = 0;
    for (let start = 0; start < values.length; start += this.maxValuesPerCall) {
      const batch = values.slice(start, start + this.maxValuesPerCall);
      const answer = await this.request(connection, batch, signal);
      embeddings.push(...answer.embeddings);
      inputTokens += answer.inputTokens;
    }
    const usage = { inputTokens };
    return {
      embeddings,
      usage,
      ...(this.pricing ? { costUsd: computeCostUsd({ inputTokens, outputTokens: 0 }, this.pricing) } : {}),
    };
  }

  private async request(
    connection: OpenAIConnection,
    values: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<{ embeddings: Float32Array[]; inputTokens: number }> {
    const context: OpenAIRequestContext = {
      provider: this.provider,
      modelId: this.modelId,
      baseURL: connection.baseURL,
      isOpenAIHost: connection.isOpenAIHost,
      apiKeySource: connection.apiKeySource,
      contextWindow: findOpenAIEmbeddingModelFacts(this.modelId)?.maxInputTokens ?? 8_192,
      timeoutMs: connection.timeoutMs,
    };
    const body = {
      ...this.settings.extraBody,
      model: this.modelId,
      input: [...values],
      encoding_format: this.settings.encodingFormat ?? 'base64',
      ...(this.settings.dimensions === undefined ? {} : { dimensions: this.settings.dimensions }),
    };
    try {
      return await retryWithBackoff(() => this.attempt(connection.client, body, values, context, signal), {
        ...this.config.retry,
        ...(this.config.maxRetries === undefined ? {} : { maxRetries: this.config.maxRetries }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }

  private async attempt(
    client: OpenAI,
    body: OpenAI.EmbeddingCreateParams,
    values: readonly string[],
    context: OpenAIRequestContext,
    signal: AbortSignal | undefined,
  ): Promise<{ embeddings: Float32Array[]; inputTokens: number }> {
    let response: unknown;
    try {
      // A signal of its own per request: the SDK leaves a listener on the signal it gets, and one
      // caller's signal may serve hundreds of requests (an index build).
      response = await client.embeddings.create(
        body,
        signal ? { signal: AbortSignal.any([signal]) } : undefined,
      );
    } catch (error) {
      // The SDK turns an abort into its own APIUserAbortError; callers get the reason they gave.
      if (signal?.aborted) throw signal.reason;
      throw mapOpenAIError(error, context);
    }
    return readEmbeddings(response, values, context);
  }
}

/** The vectors of an embeddings response, in the order of `values`, and its input tokens. */
function readEmbeddings(
  response: unknown,
  values: readonly string[],
  context: OpenAIRequestContext,
): { embeddings: Float32Array[]; inputTokens: number } {
  const data = (response as { data?: unknown })?.data;
  const wrongShape = (problem: string) =>
    new APICallError({
      provider: context.provider,
      message: `The server at ${context.baseURL} answered an embeddings request for ${values.length} values with ${problem}. Check that baseURL points at an OpenAI-compatible API with an embeddings endpoint (it usually ends in /v1) and that '${context.modelId}' is an embedding model.`,
      statusCode: 200,
      isRetryable: false,
      url: `${context.baseURL}/embeddings`,
    });
  if (!Array.isArray(data) || data.length !== values.length) {
    throw wrongShape(Array.isArray(data) ? `${data.length} vectors` : 'no data list');
  }
  const embeddings: Float32Array[] = new Array(values.length);
  for (const [position, item] of data.entries()) {
    const { index = position, embedding } = item as { index?: number; embedding?: unknown };
    let vector: Float32Array | undefined;
    if (typeof embedding === 'string') {
      const bytes = Buffer.from(embedding, 'base64');
      vector = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    } else if (Array.isArray(embedding) && embedding.every((number) => typeof number === 'number')) {
      vector = Float32Array.from(embedding as number[]);
    }
    if (vector === undefined || !Number.isInteger(index) || index < 0 || index >= values.length) {
      throw wrongShape(`an item that is not an embedding (at ${position})`);
    }
    embeddings[index] = vector;
  }
  if (embeddings.some((vector) => vector === undefined)) throw wrongShape('a missing index');
  const promptTokens = (response as { usage?: { prompt_tokens?: unknown } }).usage?.prompt_tokens;
  const inputTokens =
    typeof promptTokens === 'number' && promptTokens >= 0
      ? promptTokens
      : values.reduce((sum, value) => sum + estimateTokens(value), 0);
  return { embeddings, inputTokens };
}

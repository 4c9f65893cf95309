/**
 * A model that turns texts into vectors, e.g. OpenAI's `text-embedding-3-small` or any server that
 * speaks its `/v1/embeddings` API. Tools call it (a retrieval index); core counts its usage and cost
 * in the run's totals and budget when a tool embeds through `ToolExecuteOptions.embed`.
 *
 * Versioned like `LanguageModel`: core reads `specificationVersion` and refuses versions it does
 * not know. Users call tools and `createRLM`, never `doEmbed` directly.
 */
export interface EmbeddingModel {
  /** The version of this contract the model implements. */
  readonly specificationVersion: 'v1';
  /** The provider id, e.g. `'openai'` or a compatible server's name (`'ollama'`). */
  readonly provider: string;
  /** The provider's model id, e.g. `'text-embedding-3-small'`. */
  readonly modelId: string;
  /** How many values one `doEmbed` call accepts; callers split longer lists into calls of this size. */
  readonly maxValuesPerCall: number;
  /**
   * Length of the vectors, when known before a call (a setting, or the model's default). Optional:
   * caches of vectors key on it, so two settings of one model never share a cache entry.
   */
  readonly dimensions?: number;
  /**
   * Embeds `values` in one call (at most `maxValuesPerCall` of them): one vector per value, in the
   * same order. Retries of transient failures happen inside; an aborted signal rejects with its reason.
   */
  doEmbed(options: EmbeddingModelCallOptions): Promise<EmbeddingModelResult>;
}

/** What one `doEmbed` call receives. */
export interface EmbeddingModelCallOptions {
  /** The texts to embed, none empty. */
  readonly values: readonly string[];
  /** Stops the call (and its retries); the call then rejects with the signal's reason. */
  readonly abortSignal?: AbortSignal;
}

/** Tokens an embedding call read (embeddings produce no output tokens). */
export interface EmbeddingModelUsage {
  readonly inputTokens: number;
}

/** What one `doEmbed` call returns. */
export interface EmbeddingModelResult {
  /** One vector per value, in the order of `values`, all of the same length. */
  readonly embeddings: readonly (readonly number[] | Float32Array)[];
  readonly usage: EmbeddingModelUsage;
  /** Cost in US dollars; absent when the model's price is unknown. */
  readonly costUsd?: number;
}

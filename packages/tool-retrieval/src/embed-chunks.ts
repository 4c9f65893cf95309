import { type EmbeddingModel, type EmbeddingModelResult, estimateTokens } from '@rlm/core';
import { normalise } from './vector-index';

/** How chunks are sent to the embedding model. */
export interface EmbedBatchOptions {
  /** Values per call: at most the model's `maxValuesPerCall`. */
  readonly batchSize: number;
  /** Estimated tokens per call at most (OpenAI refuses requests over 300 000). */
  readonly batchTokens: number;
  /** Calls in flight at once (inside a run the run's concurrency cap applies too). */
  readonly concurrency: number;
}

/** One embedding call: through the run's `embed` when there is one, else the model directly. */
export type EmbedFunction = (values: readonly string[], signal: AbortSignal) => Promise<EmbeddingModelResult>;

/** What embedding all chunks took. */
export interface EmbedChunksResult {
  readonly vectors: Float32Array;
  readonly dimensions: number;
  readonly calls: number;
  readonly inputTokens: number;
}

/**
 * Embeds `count` texts (`textOf(i)`) in batches, `concurrency` calls at a time, into one
 * `Float32Array` of unit vectors in the texts' order. The first abort (or failure) stops new calls
 * and rejects with its reason; calls in flight get the signal.
 */
export async function embedChunks(
  count: number,
  textOf: (index: number) => string,
  embed: EmbedFunction,
  options: EmbedBatchOptions,
  signal: AbortSignal,
): Promise<EmbedChunksResult> {
  signal.throwIfAborted();
  const batches: { from: number; to: number }[] = [];
  for (let from = 0; from < count; ) {
    let to = from;
    let tokens = 0;
    while (to < count && to - from < options.batchSize) {
      const next = estimateTokens(textOf(to));
      if (to > from && tokens + next > options.batchTokens) break;
      tokens += next;
      to++;
    }
    batches.push({ from, to });
    from = to;
  }
  let vectors: Float32Array | undefined;
  let dimensions = 0;
  let inputTokens = 0;
  let nextBatch = 0;
  const controller = new AbortController();
  const stop = AbortSignal.any([signal, controller.signal]);
  const worker = async () => {
    while (nextBatch < batches.length) {
      stop.throwIfAborted();
      const { from, to } = batches[nextBatch++]!;
      const values = Array.from({ length: to - from }, (_, offset) => textOf(from + offset));
      // A signal per call: a model may leave listeners on the one it gets, and `stop` serves every call.
      const result = await embed(values, AbortSignal.any([stop]));
      if (result.embeddings.length !== values.length) {
        throw new Error(
          `The embedding model returned ${result.embeddings.length} vectors for ${values.length} values.`,
        );
      }
      if (vectors === undefined) {
        dimensions = result.embeddings[0]!.length;
        vectors = new Float32Array(count * dimensions);
      }
      for (const [offset, embedding] of result.embeddings.entries()) {
        if (embedding.length !== dimensions) {
          throw new Error(
            `The embedding model returned vectors of ${embedding.length} and ${dimensions} dimensions.`,
          );
        }
        const row = vectors.subarray((from + offset) * dimensions, (from + offset + 1) * dimensions);
        row.set(embedding);
        normalise(row);
      }
      inputTokens += result.usage.inputTokens;
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency, batches.length) }, () =>
    worker().catch((error: unknown) => {
      controller.abort(error);
      throw error;
    }),
  );
  const settled = await Promise.allSettled(workers);
  signal.throwIfAborted();
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return { vectors: vectors ?? new Float32Array(0), dimensions, calls: batches.length, inputTokens };
}

/** The embed function for `model`: the run's when the tool got one, else `model.doEmbed`. */
export function embedFunction(
  model: EmbeddingModel,
  runEmbed: ((model: EmbeddingModel, values: readonly string[]) => Promise<EmbeddingModelResult>) | undefined,
): EmbedFunction {
  return runEmbed
    ? (values) => runEmbed(model, values)
    : (values, signal) => model.doEmbed({ values, abortSignal: signal });
}

import type { EmbeddingModel, EmbeddingModelResult } from '../embedding-model/embedding-model';
import { LimitExceededError } from '../errors/limit-exceeded-error';
import { LimiterSlot } from '../limits/concurrency-limiter';
import { registerCallSlot } from '../limits/retry-slots';
import { estimateTokens } from '../text/estimate-tokens';
import type { CallingRun } from './call-model';
import type { RunTree } from './run-tree';

/**
 * One embedding call a tool makes during a run, held to the run's rules like a model call: a slot
 * of the tree's concurrency limiter while in flight, refused once `maxTokens` / `maxCostUsd` is
 * spent, its usage and cost added to the run's totals (under `provider:modelId`) and budget. A call
 * stopped in flight counts its values' estimated tokens, as an aborted model call does.
 */
export async function callEmbeddingModel(
  tree: RunTree,
  run: CallingRun,
  model: EmbeddingModel,
  values: readonly string[],
  signal: AbortSignal,
): Promise<EmbeddingModelResult> {
  tree.throwIfStopped();
  signal.throwIfAborted();
  const key = `${model.provider}:${model.modelId}`;
  const slot = new LimiterSlot(tree.limiter, run.depth + 1);
  let sent = false;
  const callSignal = AbortSignal.any([signal]);
  try {
    await slot.hold(signal);
    try {
      tree.budget.assertAvailable();
    } catch (error) {
      if (LimitExceededError.isInstance(error)) tree.fail(error);
      throw error;
    }
    registerCallSlot(callSignal, slot);
    sent = true;
    const result = await model.doEmbed({ values, abortSignal: callSignal });
    if (!Array.isArray(result?.embeddings) || result.embeddings.length !== values.length) {
      throw new Error(
        `The embedding model ${key} returned ${String(result?.embeddings?.length)} vectors for ${values.length} values.`,
      );
    }
    const usage = { inputTokens: result.usage.inputTokens, outputTokens: 0 };
    run.usage.record(key, usage, result.costUsd);
    tree.budget.record(usage, result.costUsd);
    return result;
  } catch (error) {
    if (sent && callSignal.aborted) {
      const usage = {
        inputTokens: values.reduce((sum, value) => sum + estimateTokens(value), 0),
        outputTokens: 0,
      };
      run.usage.recordAborted(key, usage, undefined);
      tree.budget.record(usage, undefined);
    }
    throw tree.fatalError ?? error;
  } finally {
    slot.close();
  }
}

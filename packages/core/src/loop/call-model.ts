import { LimitExceededError } from '../errors/limit-exceeded-error';
import { EVENT_PREVIEW_CHARS, type ModelCallRole } from '../events/rlm-event';
import type { ChatMessage, LanguageModel, LanguageModelResult } from '../language-model/language-model';
import { LimiterSlot } from '../limits/concurrency-limiter';
import { registerCallSlot } from '../limits/retry-slots';
import type { BudgetReservation } from '../limits/run-budget';
import { estimateTokens } from '../text/estimate-tokens';
import type { UsageTracker } from '../usage/usage-totals';
import { modelKey } from './resolve-settings';
import type { RunTree } from './run-tree';

/** Who is calling: the run's id and depth, and where its usage is added up. */
export interface CallingRun {
  readonly runId: string;
  readonly depth: number;
  readonly usage: UsageTracker;
}

/**
 * One model call with everything the loop adds around a provider: a slot of the tree's limiter
 * while in flight, a budget reservation before sending, the tree's abort signal, usage and cost
 * accounting after (an aborted call's prompt counted as an estimate), and start/end events. A call that fails
 * because the tree was stopped rethrows the tree's fatal error, not the provider's abort error.
 */
export async function callModel(
  tree: RunTree,
  run: CallingRun,
  model: LanguageModel,
  messages: readonly ChatMessage[],
  role: ModelCallRole,
  maxOutputTokens: number | undefined,
  signal: AbortSignal = tree.signal,
  priority: number = run.depth,
): Promise<LanguageModelResult> {
  tree.throwIfStopped();
  signal.throwIfAborted();
  const key = modelKey(model);
  // Every model call of the tree (root, child root, sub-call) takes a slot of the one limiter, only
  // while it is in flight; a retry's backoff inside the provider gives it back (see retry-slots).
  const slot = new LimiterSlot(tree.limiter, priority);
  let reservation: BudgetReservation | undefined;
  let callSignal: AbortSignal | undefined;
  try {
    await slot.hold(signal);
    // Its own signal, made once the call has a slot (registered with the slot for retry waits);
    // it follows `signal` without adding a listener to it, since one signal serves a whole batch.
    callSignal = AbortSignal.any([signal]);
    const inputTokens = messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
    try {
      reservation = await tree.budget.reserve(
        tree.budget.estimate(key, inputTokens, maxOutputTokens),
        signal,
      );
    } catch (error) {
      if (LimitExceededError.isInstance(error)) tree.fail(error);
      throw error;
    }
    if (signal.aborted) throw signal.reason;
    registerCallSlot(callSignal, slot);
    const callId = tree.nextId('call');
    const started = performance.now();
    const base = { runId: run.runId, depth: run.depth, callId, role, model: key };
    tree.emit({
      type: 'model-call-start',
      ...base,
      timestamp: Date.now(),
      promptCharacters: messages.reduce((sum, message) => sum + message.content.length, 0),
    });
    try {
      const result = await model.doGenerate({
        messages,
        abortSignal: callSignal,
        ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
        ...(tree.settings.providerOptions ? { providerOptions: tree.settings.providerOptions } : {}),
      });
      run.usage.record(key, result.usage, result.costUsd);
      tree.budget.settle(reservation, { modelKey: key, usage: result.usage, costUsd: result.costUsd });
      reservation = undefined;
      tree.emit({
        type: 'model-call-end',
        ...base,
        timestamp: Date.now(),
        durationMs: performance.now() - started,
        usage: result.usage,
        ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
        ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
        ...(role === 'sub' ? {} : { replyPreview: result.text.slice(0, EVENT_PREVIEW_CHARS * 10) }),
      });
      return result;
    } catch (error) {
      if (callSignal?.aborted && reservation) {
        // Stopped in flight: the prompt was sent and may be billed. Count its tokens, estimated
        // from the prompt (output unknown, counted 0), at the model's average price so far.
        const usage = { inputTokens, outputTokens: 0 };
        const costUsd = tree.budget.estimate(key, inputTokens, 0).costUsd || undefined;
        run.usage.recordAborted(key, usage, costUsd);
        tree.budget.settle(reservation, { modelKey: key, usage, costUsd, estimated: true });
        reservation = undefined;
      }
      tree.emit({
        type: 'model-call-end',
        ...base,
        timestamp: Date.now(),
        durationMs: performance.now() - started,
        error: describeError(tree.fatalError ?? error),
      });
      throw error;
    }
  } catch (error) {
    throw tree.fatalError ?? error;
  } finally {
    if (reservation) tree.budget.settle(reservation);
    slot.close();
  }
}

/** `{ name, message }` of anything thrown. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

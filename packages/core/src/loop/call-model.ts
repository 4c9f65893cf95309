import type { ModelCallRole } from '../events/rlm-event';
import type { ChatMessage, LanguageModel, LanguageModelResult } from '../language-model/language-model';
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
 * One model call with everything the loop adds around a provider: the budget check before, the
 * tree's abort signal, usage and cost accounting after, and start/end events. A call that fails
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
): Promise<LanguageModelResult> {
  tree.throwIfStopped();
  signal.throwIfAborted();
  try {
    tree.budget.assertAvailable();
  } catch (error) {
    tree.fail(error as Error);
    throw error;
  }
  const callId = tree.nextId('call');
  const key = modelKey(model);
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
      abortSignal: signal,
      ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
      ...(tree.settings.providerOptions ? { providerOptions: tree.settings.providerOptions } : {}),
    });
    run.usage.record(key, result.usage, result.costUsd);
    tree.budget.record(result.usage, result.costUsd);
    tree.emit({
      type: 'model-call-end',
      ...base,
      timestamp: Date.now(),
      durationMs: performance.now() - started,
      usage: result.usage,
      ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
      ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
    });
    return result;
  } catch (error) {
    const reported = tree.fatalError ?? error;
    tree.emit({
      type: 'model-call-end',
      ...base,
      timestamp: Date.now(),
      durationMs: performance.now() - started,
      error: describeError(reported),
    });
    throw reported;
  }
}

/** `{ name, message }` of anything thrown. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

import { LimitExceededError } from '../errors/limit-exceeded-error';
import type { ModelCallRole } from '../events/rlm-event';
import { EVENT_PREVIEW_CHARS } from '../events/rlm-event';
import type { ChatMessage } from '../language-model/language-model';
import type { ModelCallKey, ModelCallStore, StoredModelCall } from '../model-call-store/model-call-store';
import type { CalledModelResult, CallingRun } from './call-model';
import type { RunTree } from './run-tree';

/** Which kind of store answered a call. */
export type StoredCallSource = ModelCallStore['kind'];

/** The first store's answer for `key`, with the kind of store that gave it. */
export async function lookUpStoredCall(
  stores: readonly ModelCallStore[],
  key: ModelCallKey,
): Promise<{ call: StoredModelCall; source: StoredCallSource } | undefined> {
  for (const store of stores) {
    let call: StoredModelCall | undefined;
    try {
      call = await store.get(key);
    } catch {
      // A store that cannot read is a miss: the call is sent, never failed for it.
      call = undefined;
    }
    if (call && isStoredModelCall(call)) return { call, source: store.kind };
  }
  return undefined;
}

/** Keeps a sent call's answer in every store; a store that cannot write does not fail the call. */
export async function keepCall(
  stores: readonly ModelCallStore[],
  key: ModelCallKey,
  result: StoredModelCall,
): Promise<void> {
  const call = storedCallOf(result);
  await Promise.all(stores.map((store) => store.put(key, call).catch(() => undefined)));
}

/** What a store keeps of a call's result: its text, usage, cost and finish reason, nothing else. */
export function storedCallOf(result: StoredModelCall): StoredModelCall {
  return {
    text: result.text,
    usage: result.usage,
    ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
    ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
  };
}

/**
 * A call a store answered: nothing is sent and no slot is taken. Its events and usage say where it
 * came from. A cache hit costs nothing and counts only as a cached call; a replayed call is the same
 * run's earlier spending, so its usage and cost count in the run's totals and against its limits.
 */
export function serveStoredCall(
  tree: RunTree,
  run: CallingRun,
  call: {
    readonly key: string;
    readonly role: ModelCallRole;
    readonly messages: readonly ChatMessage[];
    readonly signal: AbortSignal;
    readonly subCallId?: string | undefined;
  },
  stored: { readonly call: StoredModelCall; readonly source: StoredCallSource },
): CalledModelResult {
  const { key, role, messages, signal, subCallId } = call;
  const { text, usage, costUsd, finishReason } = stored.call;
  signal.throwIfAborted();
  if (stored.source === 'replay') {
    // A replayed call spends the run's budget like a sent one: past a limit, the run stops here again.
    try {
      tree.budget.assertAvailable();
    } catch (error) {
      if (LimitExceededError.isInstance(error)) tree.fail(error);
      throw error;
    }
  }
  const callId = tree.nextId('call');
  const base = { callId, role, model: key, ...(subCallId ? { subCallId } : {}), servedFrom: stored.source };
  run.emit({
    type: 'model-call-start',
    ...base,
    promptCharacters: messages.reduce((sum, message) => sum + message.content.length, 0),
  });
  if (stored.source === 'replay') {
    run.usage.recordReplayed(key, usage, costUsd);
    tree.budget.record(usage, costUsd);
  } else {
    run.usage.recordCached(key, usage, costUsd);
  }
  run.emit({
    type: 'model-call-end',
    ...base,
    durationMs: 0,
    usage,
    ...(costUsd !== undefined ? { costUsd } : {}),
    ...(finishReason !== undefined ? { finishReason } : {}),
    ...(role === 'sub' ? {} : { replyPreview: text.slice(0, EVENT_PREVIEW_CHARS * 10) }),
  });
  return {
    text,
    usage,
    ...(costUsd !== undefined ? { costUsd } : {}),
    ...(finishReason !== undefined ? { finishReason } : {}),
    servedFrom: stored.source,
  };
}

/** Whether a store's entry has the shape of an answer: anything else is a miss. */
function isStoredModelCall(value: StoredModelCall): boolean {
  const { usage } = value;
  return (
    typeof value.text === 'string' &&
    typeof usage === 'object' &&
    usage !== null &&
    Number.isFinite(usage.inputTokens) &&
    Number.isFinite(usage.outputTokens) &&
    (value.costUsd === undefined || Number.isFinite(value.costUsd))
  );
}

import { LimitExceededError } from '../errors/limit-exceeded-error';
import { EVENT_PREVIEW_CHARS, type ModelCallRole } from '../events/rlm-event';
import type { ChatMessage, LanguageModel, LanguageModelResult } from '../language-model/language-model';
import { callStartPacer } from '../limits/call-start-pacer';
import { ModelCallSlot } from '../limits/model-call-slot';
import { registerCallSlot } from '../limits/retry-slots';
import type { BudgetReservation } from '../limits/run-budget';
import { modelCallKey, replayCallKey } from '../model-call-store/model-call-key';
import type { ModelCallKey } from '../model-call-store/model-call-store';
import { estimateTokens } from '../text/estimate-tokens';
import type { UsageTracker } from '../usage/usage-totals';
import { describeError } from './describe-error';
import type { ProviderOptions } from './provider-options-for';
import { modelKey } from './resolve-settings';
import type { RunEmitter } from './run-emitter';
import type { RunTree } from './run-tree';
import {
  keepCall,
  lookUpStoredCall,
  type StoredCallSource,
  serveStoredCall,
  storedCallOf,
} from './serve-stored-call';

/** Who is calling: the run's id and depth, where its usage is added up, and where its events go. */
export interface CallingRun {
  readonly runId: string;
  readonly depth: number;
  readonly usage: UsageTracker;
  readonly emit: RunEmitter;
  /** The run's note tag, left out of the keys of stored calls (see modelCallKey). */
  readonly tag?: string;
}

/** A model call's result, and where it came from when no request was sent. */
export interface CalledModelResult extends LanguageModelResult {
  /** Set when a store answered (the sub-call cache, or the replay of a resumed run): nothing was sent. */
  readonly servedFrom?: StoredCallSource;
}

/** One model call as the loop asks for it. */
export interface ModelCall {
  readonly model: LanguageModel;
  /** Sent as given: the caller passes a copy if it goes on changing its list. */
  readonly messages: readonly ChatMessage[];
  readonly role: ModelCallRole;
  readonly maxOutputTokens: number | undefined;
  /** Sent with the call, and part of its key in the stores: the options of the call's role (see providerOptionsFor). */
  readonly providerOptions?: ProviderOptions;
  /** Stops this call; default the tree's signal. */
  readonly signal?: AbortSignal;
  /** Its place in the limiter's queue (higher waits less); default the calling run's depth. */
  readonly priority?: number;
  /** For a sub-call's model call: the sub-call's `callId`, carried by the call's events. */
  readonly subCallId?: string;
}

/**
 * One model call with everything the loop adds around a provider: a slot of the tree's limiter
 * while in flight, a budget reservation before sending, the tree's abort signal, usage and cost
 * accounting after (an aborted call's prompt counted as an estimate), and start/end events. A call
 * that fails because the tree was stopped rethrows the tree's fatal error, not the provider's abort
 * error.
 */
export async function callModel(tree: RunTree, run: CallingRun, call: ModelCall): Promise<CalledModelResult> {
  const {
    model,
    messages,
    role,
    maxOutputTokens,
    providerOptions,
    signal = tree.signal,
    priority = run.depth,
    subCallId,
  } = call;
  tree.throwIfStopped();
  signal.throwIfAborted();
  const key = modelKey(model);
  // A resumed run's record answers first, then the stores (the sub-call cache), before any slot or
  // budget is taken. Every call has its replay key: an answered call is recorded under it.
  const keyInput = {
    messages,
    maxOutputTokens,
    providerOptions,
    noteTag: run.tag,
  };
  const recordKey = await replayCallKey(model, keyInput);
  if (tree.replay) {
    const replayed = await lookUpStoredCall([tree.replay], recordKey);
    if (replayed) return serveStoredCall(tree, run, { key, role, messages, signal, subCallId }, replayed);
  }
  const { stores } = tree.settings;
  let storeKey: ModelCallKey | undefined;
  if (stores.length > 0) {
    storeKey = await modelCallKey(model, keyInput);
    const stored = await lookUpStoredCall(stores, storeKey);
    if (stored) return serveStoredCall(tree, run, { key, role, messages, signal, subCallId }, stored);
  }
  // Calls that will send a request and began together (a batch's items) go on one per macrotask,
  // each as far as its request's write before the next is built (see CallStartPacer). Answers from
  // a store send nothing and skip it.
  const turn = callStartPacer.turn();
  if (turn) {
    await turn;
    tree.throwIfStopped();
    signal.throwIfAborted();
  }
  // Every model call of the tree (root, child root, sub-call) takes a slot of its model's window and
  // of the tree's limiter, only while it is in flight; a retry's backoff inside the provider gives
  // them back (see retry-slots). The slot is taken here, at the call, never by whoever waits on it
  // (a cell, a parent run): so a tree of any depth under a cap of 1 cannot deadlock.
  const slot = new ModelCallSlot(tree.windowFor(model, run), tree.limiter, priority);
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
    const base = { callId, role, model: key, ...(subCallId ? { subCallId } : {}) };
    run.emit({
      type: 'model-call-start',
      ...base,
      promptCharacters: messages.reduce((sum, message) => sum + message.content.length, 0),
    });
    try {
      const result = await model.doGenerate({
        messages,
        abortSignal: callSignal,
        ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
        ...(providerOptions ? { providerOptions } : {}),
      });
      slot.succeeded();
      run.usage.record(key, result.usage, result.costUsd);
      tree.budget.settle(reservation, { modelKey: key, usage: result.usage, costUsd: result.costUsd });
      reservation = undefined;
      tree.recordModelCall({ ...recordKey, ...storedCallOf(result) });
      if (storeKey) await keepCall(stores, storeKey, result);
      run.emit({
        type: 'model-call-end',
        ...base,
        durationMs: performance.now() - started,
        usage: result.usage,
        ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
        ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
        ...(role === 'sub' ? {} : { replyPreview: result.text.slice(0, EVENT_PREVIEW_CHARS * 10) }),
      });
      return result;
    } catch (error) {
      slot.failed(error);
      if (callSignal?.aborted && reservation) {
        // Stopped in flight: the prompt was sent and may be billed. Count its tokens, estimated
        // from the prompt (output unknown, counted 0), at the model's average price so far.
        const usage = { inputTokens, outputTokens: 0 };
        const costUsd = tree.budget.estimate(key, inputTokens, 0).costUsd || undefined;
        run.usage.recordAborted(key, usage, costUsd);
        tree.budget.settle(reservation, { modelKey: key, usage, costUsd, estimated: true });
        reservation = undefined;
      }
      run.emit({
        type: 'model-call-end',
        ...base,
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

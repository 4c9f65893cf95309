import type { CellResult } from '../environment/repl-environment';
import type { FinishReason, LanguageModelUsage } from '../language-model/language-model';
import type { ConcurrencyChangeReason } from '../limits/concurrency-window';
import type { AnswerSource, ContextSummary } from '../trajectory/trajectory';
import type { FailedSubCalls } from '../usage/failed-sub-calls';
import type { RunUsage } from '../usage/usage-totals';

/** Fields every event carries. Child RLMs emit into the same stream with their own `runId`. */
export interface RLMEventBase {
  /** The run (root or child) the event belongs to. */
  readonly runId: string;
  /** 0 for the root run, 1 for its children, … */
  readonly depth: number;
  /** `Date.now()` when the event was emitted. */
  readonly timestamp: number;
}

/** A run began. A child RLM's start carries `parentRunId`. */
export interface RunStartEvent extends RLMEventBase {
  readonly type: 'run-start';
  readonly parentRunId?: string;
  /** For a child run: the `callId` of the parent's `rlm_query` sub-call that started it. */
  readonly parentCallId?: string;
  /** The question; only its head and tail when it is longer than `maxTrajectoryTextChars` (a child's model-written prompt). */
  readonly question: string;
  readonly context: ContextSummary;
  readonly rootModel: string;
  readonly subModel: string;
}

/** A turn began: the root model is about to be called. */
export interface TurnStartEvent extends RLMEventBase {
  readonly type: 'turn-start';
  readonly turn: number;
  readonly maxTurns: number;
}

/** Who a model call serves. */
export type ModelCallRole = 'root' | 'sub' | 'max-turns-fallback' | 'compaction';

/** A model call began (root turn, `llm_query`, or the final fallback). */
export interface ModelCallStartEvent extends RLMEventBase {
  readonly type: 'model-call-start';
  readonly callId: string;
  readonly role: ModelCallRole;
  /** `provider:modelId`. */
  readonly model: string;
  /** Characters in all messages sent. */
  readonly promptCharacters: number;
  /**
   * For a call of role `'sub'`: the `callId` of the sub-call it answers, so that a listener can pair
   * them while many sub-calls of a batch are in flight at once.
   */
  readonly subCallId?: string;
  /**
   * Set when no request is sent because a store answers: `'cache'` (the sub-call cache, at no cost) or
   * `'replay'` (the earlier attempt of a resumed run).
   */
  readonly servedFrom?: 'cache' | 'replay';
}

/** A model call ended, successfully or not. */
export interface ModelCallEndEvent extends RLMEventBase {
  readonly type: 'model-call-end';
  readonly callId: string;
  readonly role: ModelCallRole;
  readonly model: string;
  readonly durationMs: number;
  /** For a call of role `'sub'`: the `callId` of the sub-call it answers (see {@link ModelCallStartEvent.subCallId}). */
  readonly subCallId?: string;
  readonly usage?: LanguageModelUsage;
  readonly costUsd?: number;
  readonly finishReason?: FinishReason;
  readonly error?: { readonly name: string; readonly message: string };
  /** Set when a store answered instead of the provider (see {@link ModelCallStartEvent.servedFrom}). */
  readonly servedFrom?: 'cache' | 'replay';
  /**
   * For a root-model call (role `'root'` or `'max-turns-fallback'`) that answered: the head of its
   * reply (at most {@link EVENT_PREVIEW_CHARS} × 10 characters), so a display can show the model's prose.
   */
  readonly replyPreview?: string;
}

/** Characters of a sub-call's prompt or answer that its events carry as a preview. */
export const EVENT_PREVIEW_CHARS = 200;

/** A code block is about to run. */
export interface CellStartEvent extends RLMEventBase {
  readonly type: 'cell-start';
  readonly turn: number;
  /** 0-based index of the block within the turn. */
  readonly index: number;
  readonly code: string;
}

/** A code block finished. */
export interface CellEndEvent extends RLMEventBase {
  readonly type: 'cell-end';
  readonly turn: number;
  readonly index: number;
  readonly result: CellResult;
}

/** `llm_query` / `rlm_query` (or a batched one's item) was called from the REPL. */
export interface SubCallStartEvent extends RLMEventBase {
  readonly type: 'sub-call-start';
  readonly callId: string;
  readonly kind: 'llm' | 'rlm';
  readonly model: string;
  /** Characters of the whole prompt. Events never carry whole sub-call prompts or answers, only previews. */
  readonly promptCharacters: number;
  /** The prompt's first {@link EVENT_PREVIEW_CHARS} characters (always set by the loop). */
  readonly promptPreview?: string;
}

/**
 * How a sub-call ended: it answered; it `failed` (refused before sending, or failed after the
 * provider's retries: counted in `failedSubCalls`); it was `cancelled` because the whole run stopped
 * (a limit, an abort); or it was `abandoned` by the cell that made it (the cell ended without
 * awaiting it). Only `failed` ones count as failed sub-calls.
 */
export type SubCallOutcome = 'answered' | 'failed' | 'cancelled' | 'abandoned';

/**
 * A sub-call ended. For `kind: 'rlm'`, the child run's own events came in between. Its usage and cost
 * are on the `model-call-end` events it caused (role `'sub'`, or the child's calls), so that summing
 * model-call events counts every token once.
 */
export interface SubCallEndEvent extends RLMEventBase {
  readonly type: 'sub-call-end';
  readonly callId: string;
  readonly kind: 'llm' | 'rlm';
  readonly model: string;
  readonly durationMs: number;
  readonly error?: { readonly name: string; readonly message: string };
  /** How it ended (always set by the loop; events built by hand may leave it out). */
  readonly outcome?: SubCallOutcome;
  /** Set when a store answered the call's model call instead of the provider: the cache, or a resumed run's replay. */
  readonly servedFrom?: 'cache' | 'replay';
  /** The answer's first {@link EVENT_PREVIEW_CHARS} characters, when it answered. */
  readonly responsePreview?: string;
}

/** A tool was called from the REPL. */
export interface ToolCallEvent extends RLMEventBase {
  readonly type: 'tool-call';
  readonly toolName: string;
  readonly durationMs: number;
  readonly error?: { readonly name: string; readonly message: string };
}

/** A turn ended. */
export interface TurnEndEvent extends RLMEventBase {
  readonly type: 'turn-end';
  readonly turn: number;
  /** Set when the turn produced the answer. */
  readonly finalAnswer?: string;
}

/**
 * A model's concurrency window, as the run tree sees it: once when the tree first calls the model
 * (`reason: 'initial'`), then at each change — growth (`slow-start`, `additive`), a cut
 * (`rate-limited` on a 429, `overloaded` on a 503/529), or a pause for a server's `Retry-After`
 * (`retry-after`, with `pausedForMs`). The window is shared by every run of the process that calls
 * the same model object, so `running` and `queued` count all of them. Reported as events of the root run.
 */
export interface ConcurrencyChangeEvent extends RLMEventBase {
  readonly type: 'concurrency-change';
  /** `provider:modelId`. */
  readonly model: string;
  /** Calls of the model allowed in flight at once now. */
  readonly window: number;
  /** The window before this change (equal to `window` for `initial` and `retry-after`). */
  readonly previousWindow: number;
  /** The hard cap (`maxConcurrency`). */
  readonly maxWindow: number;
  /** `false` for a fixed window (`concurrency: N`, `--concurrency N`). */
  readonly adaptive: boolean;
  readonly reason: ConcurrencyChangeReason;
  /** Calls of the model in flight now. */
  readonly running: number;
  /** Calls of the model waiting for a slot now. */
  readonly queued: number;
  /** For `retry-after`: how long from now no new call of the model starts, in milliseconds. */
  readonly pausedForMs?: number;
}

/** A run ended with an answer. */
export interface RunEndEvent extends RLMEventBase {
  readonly type: 'run-end';
  readonly answer: string;
  readonly answerSource: AnswerSource;
  readonly usage: RunUsage;
  /** Sub-calls of this run and its children that failed, out of all they made. */
  readonly failedSubCalls: FailedSubCalls;
  readonly durationMs: number;
}

/** A run failed (a limit, an abort, a provider or sandbox error). */
export interface RunErrorEvent extends RLMEventBase {
  readonly type: 'run-error';
  readonly error: { readonly name: string; readonly message: string };
  readonly usage: RunUsage;
  /** Sub-calls of this run and its children that failed, out of all they made. */
  readonly failedSubCalls: FailedSubCalls;
  readonly durationMs: number;
}

/**
 * The root model's conversation neared its context window, so its older part was replaced by a
 * summary written by one root-model call (role `'compaction'`): the earlier questions of a session
 * (their full text stays in the REPL's `history`), or the earlier turns of one question (their
 * variables stay in the REPL). Token counts are estimates (`estimateTokens`) of the whole conversation.
 */
export interface CompactionEvent extends RLMEventBase {
  readonly type: 'compaction';
  /** `'session'`: earlier questions were summarised; `'run'`: earlier turns of this question. */
  readonly scope: 'session' | 'run';
  /** The questions (scope `'session'`) or turns (scope `'run'`) the summary now stands for, 1-based, inclusive. */
  readonly from: number;
  readonly to: number;
  /** Messages replaced by the summary. */
  readonly messagesReplaced: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  /** `tokensBefore - tokensAfter`. */
  readonly tokensSaved: number;
  /** The limit that triggered it: `threshold × contextWindow` of the root model, in tokens. */
  readonly thresholdTokens: number;
}

/** Every event of a run, as one discriminated union on `type`. */
export type RLMEvent =
  | RunStartEvent
  | TurnStartEvent
  | ModelCallStartEvent
  | ModelCallEndEvent
  | CellStartEvent
  | CellEndEvent
  | SubCallStartEvent
  | SubCallEndEvent
  | ToolCallEvent
  | ConcurrencyChangeEvent
  | TurnEndEvent
  | RunEndEvent
  | RunErrorEvent
  | CompactionEvent;

/** Receives every event as it happens. Exceptions it throws are ignored, so a faulty listener cannot break a run. */
export type RLMEventListener = (event: RLMEvent) => void;

import type { ReplEnvironment } from '../environment/repl-environment';
import type { RLMEventListener } from '../events/rlm-event';
import type { LanguageModel } from '../language-model/language-model';
import type { RLMLimits } from '../limits/rlm-limits';
import type { ModelCallStore } from '../model-call-store/model-call-store';
import type { SystemPromptOptions } from '../prompts/system-prompt-options';
import type { Tool } from '../tool/tool';

/** Everything `createRLM` takes. */
export interface RLMSettings {
  /** The root model: it writes the code at depth 0. */
  readonly model: LanguageModel;
  /**
   * The model for sub-calls (`llm_query`) and for the root of child RLMs. Usually cheaper.
   * Default: `model`.
   */
  readonly subModel?: LanguageModel;
  /** More models that REPL code may pick by name: `llm_query(prompt, 'fast')`. */
  readonly models?: Readonly<Record<string, LanguageModel>>;
  /** Where the code runs, e.g. `createQuickJSEnvironment()` from `@rlm/env-quickjs`. */
  readonly environment: ReplEnvironment;
  /** Functions of the host callable from the REPL (search, retrieval, …). */
  readonly tools?: readonly Tool[];
  /** Turn, depth, sub-call, token, cost and time limits. See {@link RLMLimits}. */
  readonly limits?: RLMLimits;
  /** Characters of each cell's output shown to the model, head and tail kept. Default 20,000 (the reference's cap). */
  readonly maxOutputChars?: number;
  /**
   * Longest text, in characters, that a trajectory keeps whole: a sub-call's prompt or answer, a child
   * run's question. A longer one is kept as its first and last halves of this many characters, with
   * its length and SHA-256 (`promptCut`, `responseCut`, `questionCut`), so that huge or refused
   * prompts (`llm_query` of 10 MB, refused for the context window) cost the host no memory.
   * Default 65,536.
   */
  readonly maxTrajectoryTextChars?: number;
  /** Wall-clock limit of one cell, in milliseconds. Default 120,000. */
  readonly cellTimeoutMs?: number;
  /**
   * How many calls of each model are in flight at once. Each model (each `LanguageModel` object) has
   * one window, shared by the whole run tree and by every run of the process that calls it:
   *
   * - `{ initial, max }` (the default, `{ initial: 16, max: 64 }`): adaptive. It starts at `initial`,
   *   grows by one per success, doubling per window of successes (slow start), then by one per
   *   window, never above `max`;
   *   a 429 or an overload (503, 529) halves it, and a `Retry-After` holds the model's new calls
   *   until it has passed.
   * - a number `N`: fixed at `N` (no adaptation; `Retry-After` is still honoured).
   *
   * A retry's backoff holds no slot.
   */
  readonly concurrency?: number | ConcurrencyOptions;
  /**
   * The hard cap: no model's window grows above it, and model calls (root turns, children's root
   * turns, sub-calls) plus sandbox creations in flight at once across the whole run tree never exceed
   * it. Default 64 (or a fixed `concurrency`). The same as `concurrency.max`; give one of them.
   */
  readonly maxConcurrency?: number;
  /** `maxOutputTokens` for root-model calls. Default: the provider's. */
  readonly maxOutputTokens?: number;
  /** `maxOutputTokens` for sub-calls; also reserved in the context-window check. Default: the provider's. */
  readonly subMaxOutputTokens?: number;
  /**
   * Passed to the root model's calls (`{ openai: { reasoningEffort: 'low', temperature: 0 } }`), and
   * to every other call unless `subProviderOptions` is set.
   */
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Passed instead of `providerOptions` to sub-calls (`llm_query`, `rlm_query` and their batched
   * forms) and to the turns of child RLMs (the sub-model's calls), so that root and sub-calls can
   * differ in temperature or reasoning effort: `{ openai: { reasoningEffort: 'minimal' } }`. It
   * replaces `providerOptions` for those calls (no merge). Default: `providerOptions`.
   */
  readonly subProviderOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Replaces the built-in system prompt. Receives what the built-in one is written from. */
  readonly systemPrompt?: (options: SystemPromptOptions & { readonly language: string }) => string;
  /**
   * The sub-call cache: every model call (root turns included) is looked up here before it is sent,
   * and kept here once answered. A hit sends nothing and costs nothing; it is counted as cached
   * (`usage.total.cachedCalls`) and marked `servedFrom: 'cache'` in events and the trajectory. Off by
   * default. Stores: `createFileCache(dir)` from `@rlm/core/cache`, or your own {@link ModelCallStore}.
   */
  readonly cache?: ModelCallStore;
  /** Receives every event of every run of this RLM (also settable per call). */
  readonly onEvent?: RLMEventListener;
}

/** An adaptive concurrency window (see `RLMSettings.concurrency`). */
export interface ConcurrencyOptions {
  /** The window each model starts at. Default 16 (or `max`, when lower). */
  readonly initial?: number;
  /** The hard cap, as `maxConcurrency`. Default 64. */
  readonly max?: number;
}

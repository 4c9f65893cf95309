/**
 * The contract every model provider implements (`@rlm/openai`, `@rlm/anthropic`, your own).
 *
 * It is a plain, versioned type: the core checks `specificationVersion` and refuses unknown versions
 * with a clear error. Methods are prefixed `do…` because users call the core (`createRLM`), not the
 * plugin; the core adds budgets, routing, events and context-window checks around each call.
 */
export interface LanguageModel {
  /** The version of this contract the model implements. Only `'v1'` exists today. */
  readonly specificationVersion: 'v1';
  /** The provider's id, e.g. `'openai'`, `'anthropic'`, `'mock'`. Used in usage reports and trajectories. */
  readonly provider: string;
  /** The model's id as the provider knows it, e.g. `'gpt-5-mini'`. */
  readonly modelId: string;
  /**
   * The model's context window in tokens (prompt plus output). The loop refuses to send a sub-call
   * whose prompt cannot fit, before anything is sent.
   */
  readonly contextWindow: number;
  /**
   * Optional. A stable text that names everything of this model object, beyond a call's messages and
   * options, that can change its answers: the server it talks to (base URL) and its generation
   * settings (temperature, reasoning effort, extra body fields). Stores key each call by it (see
   * `modelCallKey`), so `openai('gpt-5', { temperature: 0 })` and `{ temperature: 1 }`, or one model
   * id on two servers, never share cached answers. Never put a secret in it (API keys, headers).
   * Without it, calls are keyed by provider and model id alone.
   */
  readonly answerSettings?: string;
  /** One non-streaming generation. Must honour `abortSignal` promptly. */
  doGenerate(options: LanguageModelCallOptions): Promise<LanguageModelResult>;
}

/** One chat message. The RLM loop only ever sends plain text. */
export interface ChatMessage {
  /** `system` appears at most once, first. */
  readonly role: 'system' | 'user' | 'assistant';
  /** The message text. */
  readonly content: string;
}

/** What the loop passes to {@link LanguageModel.doGenerate}. */
export interface LanguageModelCallOptions {
  /** The conversation, oldest first. */
  readonly messages: readonly ChatMessage[];
  /** Cancels the request (and any retries) at once when aborted. */
  readonly abortSignal?: AbortSignal;
  /** Upper bound on generated tokens; providers that require one (Anthropic) use their own default when absent. */
  readonly maxOutputTokens?: number;
  /**
   * Options for one provider, keyed by provider id (`{ openai: { reasoningEffort: 'low' } }`).
   * A provider reads only its own key and ignores the others.
   */
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Token counts reported by the provider for one call. */
export interface LanguageModelUsage {
  /** Prompt tokens, including cached ones. */
  readonly inputTokens: number;
  /** Generated tokens, including reasoning tokens. */
  readonly outputTokens: number;
  /** Prompt tokens served from the provider's cache (a subset of `inputTokens`), when reported. */
  readonly cachedInputTokens?: number;
  /** Prompt tokens written to the provider's cache (Anthropic), when reported. */
  readonly cacheWriteInputTokens?: number;
  /** Hidden reasoning tokens (a subset of `outputTokens`), when reported. */
  readonly reasoningTokens?: number;
}

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'error' | 'other';

/** What {@link LanguageModel.doGenerate} returns. */
export interface LanguageModelResult {
  /** The generated text (reasoning excluded). */
  readonly text: string;
  /** Token counts for this call. */
  readonly usage: LanguageModelUsage;
  /** The call's cost in US dollars, when the provider knows its prices. */
  readonly costUsd?: number;
  /** Why generation stopped; `'length'` means the output was cut by `maxOutputTokens`. */
  readonly finishReason?: FinishReason;
  /** The provider's response id and the model that actually answered, when reported. */
  readonly response?: { readonly id?: string; readonly modelId?: string };
}

import type { ModelPricing } from '@rlm/core/provider';

/** Extended thinking: the model reasons in hidden thinking blocks before it answers. */
export type AnthropicThinking =
  /**
   * A fixed thinking budget (at least 1,024 tokens, below `max_tokens`). Models up to Opus 4.6 and
   * Sonnet 4.6; newer ones accept only `adaptive`.
   */
  | { readonly type: 'enabled'; readonly budgetTokens: number }
  /** The model decides how much to think (Opus 4.6, Sonnet 4.6 and newer). */
  | { readonly type: 'adaptive' };

/** Prompt caching. `true` (the default) marks breakpoints with the 5-minute cache lifetime. */
export type AnthropicPromptCaching = boolean | { readonly ttl?: '5m' | '1h' };

/** Settings of one model: `anthropic('claude-sonnet-4-5', {...})`. */
export interface AnthropicModelSettings {
  /** Sampling temperature (0–1). Default: the API's. Not allowed together with `thinking`. */
  readonly temperature?: number;
  /**
   * `max_tokens` when the loop passes none (a call's `maxOutputTokens` wins). Default 16,384, or the
   * model's maximum when that is lower; with `thinking: { type: 'enabled' }`, the budget plus 16,384.
   */
  readonly maxOutputTokens?: number;
  /** Overrides the context window the loop checks sub-call prompts against. */
  readonly contextWindow?: number;
  /** Overrides the prices used for `costUsd` (US dollars per million tokens). */
  readonly pricing?: ModelPricing;
  /**
   * Receive the answer as server-sent events instead of one JSON body. Recommended for long outputs:
   * no idle connection while the model writes. Default: streaming only when `max_tokens` exceeds
   * 21,333 (above which the SDK refuses to wait for a single JSON body).
   */
  readonly stream?: boolean;
  /**
   * Prompt caching (default on): cache breakpoints on the system prompt, the previous turn's last user
   * message and the last user message, so that each turn of an RLM reads the history it resends from
   * the cache. `false` sends no breakpoints; `{ ttl: '1h' }` asks for the 1-hour cache (pricier writes).
   */
  readonly promptCaching?: AnthropicPromptCaching;
  /** Extended thinking. The returned text excludes thinking; usage counts it in `outputTokens`. */
  readonly thinking?: AnthropicThinking;
  /**
   * Use the 1M-token context window of Sonnet 4 and 4.5 (sends the `context-1m-2025-08-07` beta header;
   * prompts above 200K tokens are billed at the long-context rates). Models with a native 1M window need
   * nothing. For a model this package does not know, the header is sent and the window assumed 1M.
   */
  readonly context1M?: boolean;
  /**
   * Fields merged into every request body as they are, e.g. `{ top_k: 5, metadata: { user_id: 'u1' } }`.
   * A call's `providerOptions.anthropic` is merged over them.
   */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** @deprecated use `extraBody` (the same fields, under the name `@rlm/openai` uses too). */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

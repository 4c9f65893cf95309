import type { LongContextPricing, ModelPricing } from '@rlm/core/provider';

/**
 * How hard a reasoning model thinks before it answers, sent as `reasoning_effort`. Which values a
 * model accepts depends on the model (`'minimal'` is GPT-5 only, `'none'`, `'xhigh'` and `'max'` are
 * newer); any other string is passed through for servers that know more levels.
 */
export type OpenAIReasoningEffort =
  | 'none'
  | 'minimal'
  | 'low'
  | 'medium'
  | 'high'
  | 'xhigh'
  | 'max'
  | (string & {});

/** Prices that apply instead of the normal ones when a prompt is longer than a threshold. */
export type OpenAILongContextPricing = LongContextPricing;

/** Settings of one model, given as the second argument of `openai(modelId, settings)`. */
export interface OpenAIModelSettings {
  /** Sampling temperature. Omitted unless set (reasoning models reject anything but the default). */
  readonly temperature?: number;
  /** Output cap used when a call does not pass `maxOutputTokens`. Default: none (the server decides). */
  readonly maxOutputTokens?: number;
  /** `reasoning_effort` for reasoning models. Omitted unless set. */
  readonly reasoningEffort?: OpenAIReasoningEffort;
  /**
   * Whether the model is a reasoning model, which decides the name of the output cap: reasoning
   * models take `max_completion_tokens`, others `max_tokens`. Default: guessed from the model id
   * (`o1`, `o3`, `o4-mini`, `gpt-5*`, `gpt-6*` are reasoning models; `gpt-5-chat*` is not). Set it
   * when a server rejects the field it got.
   */
  readonly reasoningModel?: boolean;
  /**
   * Stream the response (server-sent events) and return the full text when it ends. Use it with
   * servers or proxies that cut long non-streamed generations off. Default false.
   */
  readonly stream?: boolean;
  /** The model's context window in tokens. Default: the known window, else the provider's `defaultContextWindow`. */
  readonly contextWindow?: number;
  /** Prices per million tokens. Default: the known prices of OpenAI's models; unknown models report no cost. */
  readonly pricing?: ModelPricing;
  /** Prices for prompts above a size threshold. Default: the known tier of the model, if any. */
  readonly longContextPricing?: OpenAILongContextPricing;
  /**
   * Fields merged into every request body as they are, for server-specific parameters
   * (vLLM's `top_k`, `chat_template_kwargs`, OpenRouter's `provider`, …). A call's
   * `providerOptions.openai` is merged over them.
   */
  readonly extraBody?: Readonly<Record<string, unknown>>;
}

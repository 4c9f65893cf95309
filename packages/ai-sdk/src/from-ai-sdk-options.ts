import type { ModelPricing, ProviderRetrySettings } from '@rlm/core/provider';
import type { AISDKProviderOptions } from './ai-sdk-language-model';

/** How `fromAISDK(model, options)` wraps an AI SDK model. Every field is optional. */
export interface FromAISDKOptions {
  /**
   * The model's context window in tokens (prompt plus output). Default: the catalog's window when the
   * model id is one `@rlm/core` knows (OpenAI's and Anthropic's models, also under a gateway's,
   * Bedrock's or Vertex's spelling), else
   * {@link AI_SDK_DEFAULT_CONTEXT_WINDOW}.
   */
  readonly contextWindow?: number;
  /**
   * Prices per million tokens, for `costUsd`. Default: the catalog's prices when the model id is
   * known; without either, no cost is reported (the run counts the call as of unknown cost).
   */
  readonly pricing?: ModelPricing;
  /**
   * The provider id in usage reports, trajectories and cache keys. Default: the AI SDK model's own
   * (`'openai.chat'`, `'anthropic.messages'`, …).
   */
  readonly provider?: string;
  /** An output cap for calls that do not set one (the loop's `maxOutputTokens` wins). */
  readonly maxOutputTokens?: number;
  /** Sampling temperature sent with every call. */
  readonly temperature?: number;
  /** Nucleus sampling sent with every call. */
  readonly topP?: number;
  /** Top-K sampling sent with every call (providers that support it). */
  readonly topK?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  /** Stop sequences sent with every call. */
  readonly stopSequences?: readonly string[];
  /** A seed, for providers that support deterministic sampling. */
  readonly seed?: number;
  /** Extra HTTP headers sent with every call. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Provider options sent with every call, keyed by provider name as the AI SDK expects
   * (`{ anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } }`). A call's own
   * `providerOptions` (from the loop) are merged over them, key by key.
   */
  readonly providerOptions?: AISDKProviderOptions;
  /**
   * Use the model's `doStream` and gather the text, instead of `doGenerate`. For long generations
   * behind proxies that cut idle connections. Default false.
   */
  readonly stream?: boolean;
  /**
   * What else makes this model's answers differ that the bridge cannot see: typically the server's
   * base URL when one model id is served by several (`'http://localhost:11434/v1'`). Added to
   * `answerSettings`, so stores never share cached answers across them. Never put a secret here.
   */
  readonly answerSettings?: string;
  /**
   * Retries after retryable failures (408, 409, 5xx, dropped connections), with `@rlm/core`'s
   * backoff; rate limits (429) are counted apart and honour `Retry-After`. Default 4; `0` turns
   * retrying off, rate limits included. AI SDK models do not retry by themselves (`generateText`
   * does), so this is the only retrying.
   */
  readonly maxRetries?: number;
  /** Fine-tuning of the backoff (`initialDelayMs`, `maxDelayMs`, `maxRateLimitRetries`, `maxRetryAfterMs`). */
  readonly retry?: ProviderRetrySettings;
}

/** The window assumed for a model id no catalog knows, unless `contextWindow` says otherwise. */
export const AI_SDK_DEFAULT_CONTEXT_WINDOW = 128_000;

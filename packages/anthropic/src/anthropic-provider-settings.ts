import type { ProviderRetrySettings } from '@rlm/core/provider';

/** How failed calls are retried (the SDK's own retries are always off; this is the one policy). */
export type AnthropicRetrySettings = ProviderRetrySettings;

/** Settings shared by every model of one provider instance (`createAnthropic({...})`). */
export interface AnthropicProviderSettings {
  /** The API key. Default: the `ANTHROPIC_API_KEY` environment variable, read at the first call. */
  readonly apiKey?: string;
  /**
   * The API's base URL, without `/v1` (the SDK appends `/v1/messages`). Default: the
   * `ANTHROPIC_BASE_URL` environment variable, else `https://api.anthropic.com`.
   */
  readonly baseURL?: string;
  /** Extra headers sent with every request (e.g. `anthropic-beta`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A `fetch` implementation to use instead of the global one (proxies, tests, instrumentation). */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Timeout of one HTTP attempt, in milliseconds. Default: the SDK's (10 minutes for the sizes this
   * provider sends without streaming).
   */
  readonly timeout?: number;
  /**
   * Retries after a failed attempt: overload (529), server errors (5xx, 408, 409), timeouts, dropped
   * connections and responses cut or garbled on the way. Default 4. Rate limits (429, honouring
   * `Retry-After`) have their own count, `retry.maxRateLimitRetries` (default 10); `0` here turns
   * retrying off altogether unless that is set.
   */
  readonly maxRetries?: number;
  /** Backoff tuning. */
  readonly retry?: AnthropicRetrySettings;
}

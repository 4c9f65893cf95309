import type { ProviderRetrySettings } from '@rlm/core/provider';

/** How failed calls are retried (the SDK's own retries are always off; this is the one policy). */
export type OpenAIRetrySettings = ProviderRetrySettings;

/** Settings of `createOpenAI`. Every field is optional. */
export interface OpenAIProviderSettings {
  /**
   * The API key. Default: the `OPENAI_API_KEY` environment variable, read at the first call, but
   * only when the base URL is OpenAI's or comes from `OPENAI_BASE_URL`: a key from the environment
   * is never sent to a server named in code. Servers that need no key take `'none'`.
   */
  readonly apiKey?: string;
  /**
   * The API's base URL, e.g. `'http://localhost:8000/v1'` for vLLM. Default: the `OPENAI_BASE_URL`
   * environment variable, else `'https://api.openai.com/v1'`.
   */
  readonly baseURL?: string;
  /** Sent as `OpenAI-Organization`. Default: the `OPENAI_ORG_ID` environment variable (the SDK's default). */
  readonly organization?: string;
  /** Sent as `OpenAI-Project`. Default: the `OPENAI_PROJECT_ID` environment variable (the SDK's default). */
  readonly project?: string;
  /** Extra headers sent with every request (OpenRouter's `HTTP-Referer` and `X-Title`, a gateway's key, …). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A `fetch` to use instead of the global one (proxies, tests, instrumentation). */
  readonly fetch?: typeof fetch;
  /**
   * How long one attempt may wait for the response headers, in milliseconds. Default 600,000 (the
   * SDK's ten minutes). A streamed response only has to start within it.
   */
  readonly timeout?: number;
  /**
   * Retries after a failed attempt (408/409/5xx, timeouts, dropped connections, responses cut or
   * garbled on the way), with exponential backoff and full jitter. Default 4. Rate limits (429,
   * honouring `retry-after-ms` and `Retry-After`) have their own count, `retry.maxRateLimitRetries`
   * (default 10); `0` here turns retrying off altogether unless that is set. The SDK's own retries
   * are off, so this is the only retry policy.
   */
  readonly maxRetries?: number;
  /**
   * Fine-tuning of the backoff: retries of rate limits (default 10), first delay (default 500 ms),
   * longest delay, longest `Retry-After` honoured, a hook.
   */
  readonly retry?: OpenAIRetrySettings;
  /**
   * The provider id reported in usage and trajectories, e.g. `'vllm'` or `'openrouter'`. Default
   * `'openai'`. Calls read `providerOptions.openai` and, when it differs, `providerOptions[name]`.
   */
  readonly name?: string;
  /** The context window of models the catalog does not know (local models). Default 128,000. */
  readonly defaultContextWindow?: number;
}

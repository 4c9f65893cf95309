import { RLMError } from './rlm-error';

/** Statuses worth retrying: timeout, conflict, rate limit, and server errors. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
}

/** What an API error is built from. */
export interface APICallErrorOptions {
  /** The provider, e.g. `'openai'`. */
  readonly provider: string;
  readonly message: string;
  readonly statusCode?: number;
  /** Default: from the status (408, 409, 429, 5xx are retryable). */
  readonly isRetryable?: boolean;
  readonly retryAfterMs?: number;
  readonly responseBody?: string;
  /** The endpoint that was called, when known. */
  readonly url?: string;
  readonly cause?: unknown;
}

/**
 * A model provider's API call failed. Providers map their SDK's errors into this or one of its
 * subclasses ({@link AuthenticationError}, {@link ModelNotFoundError}, {@link RateLimitError},
 * {@link APITimeoutError}, {@link APIConnectionError}); `APICallError.isInstance` holds for all of them.
 */
export class APICallError extends RLMError {
  /** The provider, e.g. `'openai'`. */
  readonly provider: string;
  /** The HTTP status, when there was a response. */
  readonly statusCode?: number;
  /** How long the server asked us to wait before retrying, in milliseconds, when it said. */
  readonly retryAfterMs?: number;
  /** The raw response body, when there was one (may be truncated). */
  readonly responseBody?: string;
  /** The endpoint that was called, when known. */
  readonly url?: string;

  constructor(options: APICallErrorOptions, lineage: readonly string[] = []) {
    super(
      {
        message: options.message,
        cause: options.cause,
        isRetryable:
          options.isRetryable ?? (options.statusCode !== undefined && isRetryableStatus(options.statusCode)),
      },
      [...lineage, 'APICallError'],
    );
    this.provider = options.provider;
    if (options.statusCode !== undefined) this.statusCode = options.statusCode;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.responseBody !== undefined) this.responseBody = options.responseBody;
    if (options.url !== undefined) this.url = options.url;
  }

  static override isInstance(error: unknown): error is APICallError {
    return RLMError.hasName(error, 'APICallError');
  }
}

/**
 * The API key is missing, wrong, or not allowed (401/403). The message names the environment
 * variable or option to set. Never retryable.
 */
export class AuthenticationError extends APICallError {
  constructor(options: APICallErrorOptions) {
    super({ ...options, isRetryable: false }, ['AuthenticationError']);
  }

  static override isInstance(error: unknown): error is AuthenticationError {
    return RLMError.hasName(error, 'AuthenticationError');
  }
}

/** The provider does not know the model id (404), or the key has no access to it. Never retryable. */
export class ModelNotFoundError extends APICallError {
  /** The model id that was asked for. */
  readonly modelId: string;

  constructor(options: APICallErrorOptions & { modelId: string }) {
    super({ ...options, isRetryable: false }, ['ModelNotFoundError']);
    this.modelId = options.modelId;
  }

  static override isInstance(error: unknown): error is ModelNotFoundError {
    return RLMError.hasName(error, 'ModelNotFoundError');
  }
}

/** The provider rate-limited the call (429), after any retries. `retryAfterMs` says when to try again, if the server said. */
export class RateLimitError extends APICallError {
  constructor(options: APICallErrorOptions) {
    super({ ...options, isRetryable: options.isRetryable ?? true }, ['RateLimitError']);
  }

  static override isInstance(error: unknown): error is RateLimitError {
    return RLMError.hasName(error, 'RateLimitError');
  }
}

/** The call took longer than the provider's timeout. Retryable. */
export class APITimeoutError extends APICallError {
  constructor(options: APICallErrorOptions) {
    super({ ...options, isRetryable: options.isRetryable ?? true }, ['APITimeoutError']);
  }

  static override isInstance(error: unknown): error is APITimeoutError {
    return RLMError.hasName(error, 'APITimeoutError');
  }
}

/**
 * The server could not be reached or the connection dropped (no HTTP status). The message names the
 * base URL, since a wrong `baseURL` for a local server is the usual cause. Retryable.
 */
export class APIConnectionError extends APICallError {
  constructor(options: APICallErrorOptions) {
    super({ ...options, isRetryable: options.isRetryable ?? true }, ['APIConnectionError']);
  }

  static override isInstance(error: unknown): error is APIConnectionError {
    return RLMError.hasName(error, 'APIConnectionError');
  }
}

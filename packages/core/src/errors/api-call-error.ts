import { RLMError } from './rlm-error';

/** Statuses worth retrying: timeout, conflict, rate limit, and server errors. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
}

/** A model provider's API call failed. Providers map their SDK's errors into this. */
export class APICallError extends RLMError {
  /** The provider, e.g. `'openai'`. */
  readonly provider: string;
  /** The HTTP status, when there was a response. */
  readonly statusCode?: number;
  /** How long the server asked us to wait before retrying, in milliseconds, when it said. */
  readonly retryAfterMs?: number;
  /** The raw response body, when there was one (may be truncated). */
  readonly responseBody?: string;

  constructor(options: {
    provider: string;
    message: string;
    statusCode?: number;
    isRetryable?: boolean;
    retryAfterMs?: number;
    responseBody?: string;
    cause?: unknown;
  }) {
    super({
      name: 'APICallError',
      message: options.message,
      cause: options.cause,
      isRetryable:
        options.isRetryable ?? (options.statusCode !== undefined && isRetryableStatus(options.statusCode)),
    });
    this.provider = options.provider;
    if (options.statusCode !== undefined) this.statusCode = options.statusCode;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.responseBody !== undefined) this.responseBody = options.responseBody;
  }

  static override isInstance(error: unknown): error is APICallError {
    return RLMError.hasName(error, 'APICallError');
  }
}

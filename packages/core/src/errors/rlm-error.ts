const rlmErrorMarker = Symbol.for('@rlm/core.error');

/**
 * The base of every error this library throws. `RLMError.isInstance(e)` (and each subclass's own
 * `isInstance`) work across duplicate installs of `@rlm/core`, where `instanceof` does not.
 */
export class RLMError extends Error {
  /** Whether repeating the same operation may succeed (rate limits, server errors, timeouts). */
  readonly isRetryable: boolean;
  /** Marks errors of this library across duplicate installs (see `isInstance`). */
  readonly [rlmErrorMarker] = true;

  constructor(options: { name?: string; message: string; cause?: unknown; isRetryable?: boolean }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = options.name ?? 'RLMError';
    this.isRetryable = options.isRetryable ?? false;
  }

  static isInstance(error: unknown): error is RLMError {
    return typeof error === 'object' && error !== null && rlmErrorMarker in error;
  }

  /** Builds an `isInstance` for a subclass, keyed by the error's `name` so it survives duplicate installs. */
  protected static hasName(error: unknown, name: string): boolean {
    return RLMError.isInstance(error) && error.name === name;
  }
}

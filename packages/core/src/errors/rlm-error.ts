import type { Trajectory } from '../trajectory/trajectory';

const rlmErrorMarker = Symbol.for('@rlm/core.error');

/** What every error of this library is built from. */
export interface RLMErrorOptions {
  readonly message: string;
  readonly cause?: unknown;
  readonly isRetryable?: boolean;
}

/**
 * The base of every error this library throws. `RLMError.isInstance(e)` (and each subclass's own
 * `isInstance`) work across duplicate installs of `@rlm/core`, where `instanceof` does not: every
 * error carries, under a `Symbol.for` key, the names of its class and of the classes it extends.
 */
export class RLMError extends Error {
  /** Whether repeating the same operation may succeed (rate limits, server errors, timeouts). */
  readonly isRetryable: boolean;
  /**
   * When the error ended an RLM run: the best answer the run had (a `FINAL` value, else the prose of
   * the root model's last reply), if any.
   */
  partialAnswer?: string;
  /** When the error ended an RLM run: its trajectory up to the failure (children nested). */
  trajectory?: Trajectory;
  /** The class names this error is an instance of, most specific first (see `isInstance`). */
  readonly [rlmErrorMarker]: readonly string[];

  /**
   * @param lineage the class names from the most specific up to (not including) `RLMError`; each
   * subclass's constructor prepends its own name, so `isInstance` of any ancestor holds.
   */
  constructor(options: RLMErrorOptions & { name?: string }, lineage: readonly string[] = []) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    const names = lineage.length > 0 ? lineage : options.name ? [options.name] : [];
    this.name = names[0] ?? 'RLMError';
    this.isRetryable = options.isRetryable ?? false;
    this[rlmErrorMarker] = [...names, 'RLMError'];
  }

  static isInstance(error: unknown): error is RLMError {
    return typeof error === 'object' && error !== null && rlmErrorMarker in error;
  }

  /** Whether `error` is an instance of the class named `name` (or of a subclass of it), across installs. */
  protected static hasName(error: unknown, name: string): boolean {
    if (!RLMError.isInstance(error)) return false;
    const lineage = (error as unknown as Record<symbol, unknown>)[rlmErrorMarker];
    return Array.isArray(lineage) ? lineage.includes(name) : error.name === name;
  }
}

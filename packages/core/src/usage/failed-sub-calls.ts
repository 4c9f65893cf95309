/** One reason sub-calls failed, with how many failed for it. */
export interface FailedSubCallReason {
  /** `Name: message` of the error, at most 300 characters. */
  readonly message: string;
  readonly count: number;
}

/**
 * Sub-calls (`llm_query`, `rlm_query`, batched items) that failed: refused before sending (context
 * window, `maxSubCalls`), failed after the provider's retries, or stopped. Failures are never
 * silently values: the model sees each one (a thrown error, or a batched item that is a string
 * starting with `"Error:"`, and a note after the block), and the run reports them here.
 */
export interface FailedSubCalls {
  /** Sub-calls that failed. */
  readonly count: number;
  /** Sub-calls made, failed or not. */
  readonly total: number;
  /** Why they failed, most frequent first; at most 20 distinct reasons (the rest under `'(other reasons)'`). */
  readonly reasons: readonly FailedSubCallReason[];
}

const MAX_REASONS = 20;
const MAX_REASON_CHARS = 300;
const OTHER_REASONS = '(other reasons)';

/** Counts one run's sub-calls and their failures; a child's tracker adds to its parent's too. */
export class FailedSubCallTracker {
  private total = 0;
  private failed = 0;
  private readonly reasons = new Map<string, number>();

  constructor(private readonly parent?: FailedSubCallTracker) {}

  /** A sub-call started. */
  started(): void {
    this.parent?.started();
    this.total += 1;
  }

  /** A sub-call failed with `error` (`{ name, message }`). */
  failedWith(error: { readonly name: string; readonly message: string }): void {
    this.parent?.failedWith(error);
    this.failed += 1;
    let reason = `${error.name}: ${error.message}`;
    if (reason.length > MAX_REASON_CHARS) reason = `${reason.slice(0, MAX_REASON_CHARS - 1)}…`;
    if (!this.reasons.has(reason) && this.reasons.size >= MAX_REASONS) reason = OTHER_REASONS;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  snapshot(): FailedSubCalls {
    return {
      count: this.failed,
      total: this.total,
      reasons: [...this.reasons]
        .map(([message, count]) => ({ message, count }))
        .sort((a, b) => b.count - a.count),
    };
  }
}

import type { LimitName } from '../limits/rlm-limits';
import type { Trajectory } from '../trajectory/trajectory';
import { RLMError } from './rlm-error';

/**
 * A run hit one of its limits. It carries what the run had: the partial answer (a `FINAL` value if
 * one was recorded, otherwise the root model's last reply) and the trajectory so far.
 */
export class LimitExceededError extends RLMError {
  readonly limit: LimitName;
  /** The configured value of the limit. */
  readonly limitValue: number;

  constructor(options: {
    limit: LimitName;
    limitValue: number;
    message: string;
    partialAnswer?: string;
    trajectory?: Trajectory;
  }) {
    super({ name: 'LimitExceededError', message: options.message });
    this.limit = options.limit;
    this.limitValue = options.limitValue;
    if (options.partialAnswer !== undefined) this.partialAnswer = options.partialAnswer;
    if (options.trajectory !== undefined) this.trajectory = options.trajectory;
  }

  static override isInstance(error: unknown): error is LimitExceededError {
    return RLMError.hasName(error, 'LimitExceededError');
  }
}

import type { Trajectory } from '../trajectory/trajectory';
import { RLMError } from './rlm-error';

/** The caller aborted the run through its `AbortSignal`. Carries what the run had. */
export class RunAbortedError extends RLMError {
  constructor(options: { reason?: unknown; partialAnswer?: string; trajectory?: Trajectory }) {
    const reason = options.reason instanceof Error ? `: ${options.reason.message}` : '';
    super({ name: 'RunAbortedError', message: `The run was aborted${reason}.`, cause: options.reason });
    if (options.partialAnswer !== undefined) this.partialAnswer = options.partialAnswer;
    if (options.trajectory !== undefined) this.trajectory = options.trajectory;
  }

  static override isInstance(error: unknown): error is RunAbortedError {
    return RLMError.hasName(error, 'RunAbortedError');
  }
}

import { RLMError } from './rlm-error';

/**
 * A REPL environment failed in a way the model's code did not cause and cannot fix: the sandbox
 * could not start, crashed and could not be recreated, or a native dependency is missing. Never
 * papered over with a made-up answer.
 */
export class SandboxError extends RLMError {
  /** The environment, e.g. `'quickjs'`. */
  readonly environmentId: string;

  constructor(options: { environmentId: string; message: string; cause?: unknown }) {
    super({ name: 'SandboxError', message: options.message, cause: options.cause });
    this.environmentId = options.environmentId;
  }

  static override isInstance(error: unknown): error is SandboxError {
    return RLMError.hasName(error, 'SandboxError');
  }
}

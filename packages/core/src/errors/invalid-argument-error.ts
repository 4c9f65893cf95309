import { RLMError } from './rlm-error';

/** An option or argument is wrong. The message names it and says what is expected. */
export class InvalidArgumentError extends RLMError {
  /** The option or argument at fault, e.g. `'limits.maxTurns'`. */
  readonly argument: string;

  constructor(options: { argument: string; message: string; cause?: unknown }) {
    super({ name: 'InvalidArgumentError', message: options.message, cause: options.cause });
    this.argument = options.argument;
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return RLMError.hasName(error, 'InvalidArgumentError');
  }
}

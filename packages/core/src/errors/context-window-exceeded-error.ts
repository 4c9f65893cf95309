import { RLMError } from './rlm-error';

/**
 * A prompt does not fit the model's context window. Raised before sending when the loop can tell
 * (sub-calls), and mapped from the provider's own 400 error otherwise, so the loop can react.
 */
export class ContextWindowExceededError extends RLMError {
  /** The model whose window was exceeded. */
  readonly modelId: string;
  /** The model's context window in tokens, when known. */
  readonly contextWindow?: number;
  /** The (estimated) prompt size in tokens, when known. */
  readonly promptTokens?: number;

  constructor(options: {
    modelId: string;
    contextWindow?: number;
    promptTokens?: number;
    message?: string;
    cause?: unknown;
  }) {
    super({
      name: 'ContextWindowExceededError',
      message:
        options.message ??
        `The prompt (~${options.promptTokens ?? '?'} tokens) does not fit the context window of ` +
          `'${options.modelId}' (${options.contextWindow ?? '?'} tokens). Send a smaller piece.`,
      cause: options.cause,
    });
    this.modelId = options.modelId;
    if (options.contextWindow !== undefined) this.contextWindow = options.contextWindow;
    if (options.promptTokens !== undefined) this.promptTokens = options.promptTokens;
  }

  static override isInstance(error: unknown): error is ContextWindowExceededError {
    return RLMError.hasName(error, 'ContextWindowExceededError');
  }
}

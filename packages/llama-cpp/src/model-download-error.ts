import { RLMError } from '@rlm/core';

/**
 * A model could not be downloaded, or the downloaded file is not what was expected (size,
 * checksum, not a GGUF file). The message says what happened and what to do; `isRetryable` says
 * whether running again may succeed (network cuts and server errors resume where they stopped).
 */
export class ModelDownloadError extends RLMError {
  /** The URL that was downloaded. */
  readonly url: string;

  constructor(options: { url: string; message: string; isRetryable?: boolean; cause?: unknown }) {
    super({
      name: 'ModelDownloadError',
      message: options.message,
      cause: options.cause,
      isRetryable: options.isRetryable ?? false,
    });
    this.url = options.url;
  }

  static override isInstance(error: unknown): error is ModelDownloadError {
    return RLMError.hasName(error, 'ModelDownloadError');
  }
}

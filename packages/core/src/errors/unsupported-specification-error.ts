import { RLMError } from './rlm-error';

/** A plugin implements a contract version this `@rlm/core` does not know. */
export class UnsupportedSpecificationError extends RLMError {
  constructor(options: { kind: 'model' | 'environment'; id: string; version: unknown }) {
    super({
      name: 'UnsupportedSpecificationError',
      message:
        `The ${options.kind} '${options.id}' implements specification version ${JSON.stringify(options.version)}, ` +
        `but this @rlm/core supports only 'v1'. Install matching versions of @rlm/core and the plugin.`,
    });
  }

  static override isInstance(error: unknown): error is UnsupportedSpecificationError {
    return RLMError.hasName(error, 'UnsupportedSpecificationError');
  }
}

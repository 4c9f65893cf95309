import { InvalidArgumentError } from '@rlm/core';

/** The prefix of `--model ai-sdk:<package>:<model>`: any AI SDK provider package the user installed. */
export const AI_SDK_PREFIX = 'ai-sdk';

/** `ai-sdk:<package>:<model>`, split. */
export interface AISDKModelId {
  /** The provider package, e.g. `@ai-sdk/google`. */
  readonly packageName: string;
  /** The model id as that provider knows it; may itself hold colons (Bedrock's `…-v1:0`). */
  readonly modelId: string;
}

/** npm's rule for package names: an optional `@scope/`, then lower-case URL-safe characters. */
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/**
 * Splits what follows `ai-sdk:` (`@ai-sdk/google:gemini-2.5-pro`) into the package and the model.
 * Package names hold no colon, so the first colon ends the package.
 */
export function parseAISDKModelId(rest: string, option: string): AISDKModelId {
  const colon = rest.indexOf(':');
  const packageName = colon === -1 ? rest : rest.slice(0, colon);
  const modelId = colon === -1 ? '' : rest.slice(colon + 1);
  if (!PACKAGE_NAME.test(packageName) || modelId.trim() === '') {
    throw new InvalidArgumentError({
      argument: option.slice(2),
      message:
        `${option} '${AI_SDK_PREFIX}:${rest}': write an AI SDK model as ai-sdk:PACKAGE:MODEL, ` +
        'e.g. ai-sdk:@ai-sdk/google:gemini-2.5-pro or ai-sdk:@ai-sdk/mistral:mistral-large-latest (the provider package installed where you run rlm).',
    });
  }
  return { packageName, modelId };
}

import { InvalidArgumentError } from '../errors/invalid-argument-error';

/** A model named as `provider:modelId`, the form used by the CLI and config files. */
export interface ParsedModelId {
  /** `'openai'`, `'anthropic'`, … */
  readonly provider: string;
  /** Everything after the first colon, e.g. `'gpt-5-mini'` or `'Qwen/Qwen3-Coder-30B:latest'`. */
  readonly modelId: string;
}

/** Splits `'openai:gpt-5-mini'` into provider and model id. Only the first colon separates them. */
export function parseModelId(text: string): ParsedModelId {
  const separator = text.indexOf(':');
  const provider = separator === -1 ? '' : text.slice(0, separator).trim().toLowerCase();
  const modelId = separator === -1 ? '' : text.slice(separator + 1).trim();
  if (!provider || !modelId) {
    throw new InvalidArgumentError({
      argument: 'model',
      message: `'${text}' is not a model id of the form provider:model, e.g. 'openai:gpt-5-mini' or 'anthropic:claude-sonnet-4-5'.`,
    });
  }
  return { provider, modelId };
}

/** A model provider the CLI can use, and the environment variable holding its key. */
export interface KnownProvider {
  /** The prefix in `provider:model`. */
  readonly name: 'openai' | 'anthropic';
  /** Where the provider's own API key comes from. */
  readonly keyVariable: string;
  /** A model to suggest in messages. */
  readonly exampleModel: string;
}

/** Providers the CLI knows, by the prefix of `provider:model`. */
export const KNOWN_PROVIDERS: readonly KnownProvider[] = [
  { name: 'openai', keyVariable: 'OPENAI_API_KEY', exampleModel: 'openai:gpt-5.4-mini' },
  { name: 'anthropic', keyVariable: 'ANTHROPIC_API_KEY', exampleModel: 'anthropic:claude-sonnet-4-6' },
];

/** The variable with the key for a server given by `--base-url`: provider keys are sent only to their own providers. */
export const BASE_URL_KEY_VARIABLE = 'RLM_API_KEY';

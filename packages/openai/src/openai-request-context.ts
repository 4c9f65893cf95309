/** What error messages need to know about the request that failed. */
export interface OpenAIRequestContext {
  /** The provider id, e.g. `'openai'` or a compatible server's `name`. */
  readonly provider: string;
  readonly modelId: string;
  /** The base URL the request went to, e.g. `'https://api.openai.com/v1'`. */
  readonly baseURL: string;
  /** Whether that is OpenAI's own API (changes what the messages advise). */
  readonly isOpenAIHost: boolean;
  /** How the API key was found, for authentication messages. */
  readonly apiKeySource: 'option' | 'environment';
  /** The call's model window, for context-window errors that do not state one. */
  readonly contextWindow: number;
  /** The per-attempt timeout in milliseconds. */
  readonly timeoutMs: number;
}

/** What error messages need to know about the request that failed. */
export interface AnthropicRequestContext {
  readonly modelId: string;
  /** The base URL the request went to, e.g. `'https://api.anthropic.com'`. */
  readonly baseURL: string;
  /** The call's model window, for context-window errors that do not state one. */
  readonly contextWindow: number;
}

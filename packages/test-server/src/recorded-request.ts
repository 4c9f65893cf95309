import type { ScriptedFault } from './scripted-reply';

/** Which of the two wire protocols a request spoke. */
export type WireProtocolName = 'openai' | 'anthropic';

/** One chat message as the server understood it, whatever shape it had on the wire. */
export interface RecordedMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A request as the server received it: the raw parts (`headers`, `body`) and the parts every test
 * asks about, normalised across the two protocols.
 */
export interface RecordedRequest {
  /** `'openai'` for `POST /v1/chat/completions` and `POST /v1/embeddings`, `'anthropic'` for `POST /v1/messages`. */
  protocol: WireProtocolName;
  /** The HTTP method, e.g. `'POST'`. */
  method: string;
  /** The path without the query string, e.g. `'/v1/chat/completions'`, `'/v1/embeddings'` or `'/v1/messages'`. */
  path: string;
  /** Header names lower-cased (`authorization`, `x-api-key`, `anthropic-version`, `anthropic-beta`, …); repeated headers joined with `', '`. */
  headers: Record<string, string>;
  /** The parsed JSON body exactly as sent (the raw text when it was not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: the body is whatever the client sent; tests read fields freely
  body: any;
  /** `body.model`, or `''` when missing. */
  model: string;
  /** `body.stream === true`. */
  stream: boolean;
  /** OpenAI `max_completion_tokens` (or the older `max_tokens`), Anthropic `max_tokens`. */
  maxOutputTokens?: number;
  /**
   * The conversation as plain text messages. Anthropic's `system` field (a string or text blocks)
   * becomes a leading system message; OpenAI's `developer` role becomes `system`, its `tool` and
   * `function` roles `user`; content given as blocks or parts is the concatenation of their text,
   * other block types (images, tool calls, thinking) left out.
   */
  messages: RecordedMessage[];
  /** `Date.now()` when the body had fully arrived. */
  receivedAt: number;
  /**
   * (Addition) The fault the server's `faults` mix drew for this request, answered instead of the
   * script; `'concurrency-limit'` when `concurrencyLimit.max` requests were in flight (a 429).
   */
  injectedFault?: ScriptedFault['fault'] | 'concurrency-limit';
}

import type { RecordedRequest, WireProtocolName } from './recorded-request';
import type { ScriptedUsage, TextReply } from './scripted-reply';

/**
 * The `Retry-After` and `retry-after-ms` headers of a rate limit: `retry-after-ms` when `retryAfterMs`
 * is given, `Retry-After` from `retryAfterSeconds`, else from `retryAfterMs` rounded up to seconds.
 */
export function retryAfterHeaders(error: {
  readonly retryAfterSeconds?: number;
  readonly retryAfterMs?: number;
}): Record<string, string> {
  const seconds =
    error.retryAfterSeconds ??
    (error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000));
  return {
    ...(seconds === undefined ? {} : { 'retry-after': String(seconds) }),
    ...(error.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(error.retryAfterMs) }),
  };
}

/** A complete HTTP answer other than a completion: an error in the provider's own format. */
export interface WireErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text. */
  readonly body: string;
}

/** Everything the server can fail with, before it is put in a provider's words. */
export type WireError =
  | {
      readonly kind: 'rate-limit';
      readonly model: string;
      readonly retryAfterSeconds?: number;
      readonly retryAfterMs?: number;
    }
  | { readonly kind: 'server-error'; readonly status: number }
  | { readonly kind: 'invalid-key' }
  | { readonly kind: 'model-not-found'; readonly model: string }
  | {
      readonly kind: 'context-length';
      readonly contextWindow?: number;
      readonly promptTokens?: number;
      /** The request's size estimated from its characters; the stated size is at least the window + 1. */
      readonly estimatedPromptTokens: number;
    }
  /** A request the real API would refuse (missing field, body not JSON). */
  | {
      readonly kind: 'invalid-request';
      readonly message: string;
      readonly param?: string;
      readonly code?: string;
    }
  /** No such route. */
  | { readonly kind: 'route-not-found'; readonly message: string }
  /** The script itself is at fault (no reply left, the respond function threw): a 500 that says so. */
  | { readonly kind: 'script-error'; readonly message: string };

/** A completion as SSE events. */
export interface RenderedEvents {
  /** The SSE events, each complete with its trailing blank line. */
  readonly events: readonly string[];
  /** Index in `events` of the first event carrying answer text (where a default mid-stream drop cuts after). */
  readonly firstTextEventIndex: number;
}

/** What the request asked, as a completion needs it. */
export interface CompletionRequest {
  readonly request: RecordedRequest;
  /** Usage in the `ScriptedUsage` convention (cached tokens included in `inputTokens`). */
  readonly usage: ScriptedUsage;
}

/** One provider's wire format: how to read its requests and how to write its answers. */
export interface WireProtocol {
  readonly name: WireProtocolName;
  /** Reads the normalised fields of a request body (which may be anything the client sent). */
  describeRequest(body: unknown): Pick<RecordedRequest, 'model' | 'stream' | 'maxOutputTokens' | 'messages'>;
  /** The 400 the real API gives a body that lacks a required field, or `undefined` when it is acceptable. */
  findInvalidRequest(body: unknown): WireError | undefined;
  /** The completion for `reply` as a non-streaming JSON body. */
  renderJson(reply: TextReply, completion: CompletionRequest): string;
  /** The completion for `reply` as SSE events. */
  renderEvents(reply: TextReply, completion: CompletionRequest): RenderedEvents;
  /** A `200` body that claims to be JSON but does not parse. */
  renderMalformedJson(request: RecordedRequest): string;
  /** SSE events: one good event, then a `data:` line that does not parse. */
  renderMalformedEvents(request: RecordedRequest): readonly string[];
  /** `error` in the provider's own status code, headers and body. */
  renderError(error: WireError): WireErrorResponse;
  /** Headers every answer of this provider carries (content type aside), e.g. a request id. */
  responseHeaders(): Record<string, string>;
}

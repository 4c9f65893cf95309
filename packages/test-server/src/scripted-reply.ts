import { InvalidArgumentError } from '@rlm/core';

/**
 * Token counts of a scripted reply, in `@rlm/core`'s `LanguageModelUsage` convention: `inputTokens`
 * includes cached and cache-write tokens, `outputTokens` includes reasoning tokens. The server converts
 * them to each provider's own convention on the wire (Anthropic's `input_tokens` counts uncached
 * tokens only), so a provider that converts back must end up with these numbers again.
 */
export interface ScriptedUsage {
  /** Prompt tokens, cached and cache-write ones included. */
  inputTokens: number;
  /** Generated tokens, reasoning included. */
  outputTokens: number;
  /** Prompt tokens read from the cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`). */
  cachedInputTokens?: number;
  /** Prompt tokens written to the cache (Anthropic `cache_creation_input_tokens`; OpenAI has no such field). */
  cacheWriteInputTokens?: number;
  /** Hidden reasoning tokens (OpenAI `reasoning_tokens`, Anthropic `output_tokens_details.thinking_tokens`). */
  reasoningTokens?: number;
}

/** A successful completion: JSON or SSE, as the request asked (`stream: true`). */
export interface TextReply {
  /** The assistant's text, exactly. */
  text: string;
  /** Token counts; when absent, estimated from the characters (4 per token) of the request and the reply. */
  usage?: ScriptedUsage;
  /** Mapped to OpenAI `finish_reason` `'stop'`/`'length'`, Anthropic `stop_reason` `'end_turn'`/`'max_tokens'`. Default `'stop'`. */
  finishReason?: 'stop' | 'length';
  /** Extra delay before the first byte, in milliseconds, on top of the server's `latencyMs`. */
  delayMs?: number;
  /** Reasoning shown before the text: OpenAI-compatible `reasoning_content`, or an Anthropic `thinking` block. */
  reasoningText?: string;
  /** (Addition) Pause between SSE events, in milliseconds, so a client can act mid-stream. Default 0. */
  chunkDelayMs?: number;
}

/**
 * 429 with the provider's own error body. `Retry-After` is sent only when `retryAfterSeconds` or
 * `retryAfterMs` is given; `retryAfterMs` also sends `retry-after-ms` (as OpenAI does), for waits
 * under a second, with `Retry-After` rounded up to whole seconds unless `retryAfterSeconds` says otherwise.
 */
export interface RateLimitFault {
  fault: 'rate-limit';
  retryAfterSeconds?: number;
  /** (Addition) The wait in milliseconds, sent as `retry-after-ms`. */
  retryAfterMs?: number;
}

/** A 5xx with the provider's own error body; 529 is Anthropic's "overloaded". Default 500. */
export interface ServerErrorFault {
  fault: 'server-error';
  status?: 500 | 502 | 503 | 529;
}

/** 401 with the provider's own "invalid API key" body. */
export interface InvalidKeyFault {
  fault: 'invalid-key';
}

/** 404 with the provider's own "model not found" body, naming the requested model. */
export interface ModelNotFoundFault {
  fault: 'model-not-found';
}

/**
 * 400 in each provider's exact "prompt too long" format: OpenAI code `context_length_exceeded`,
 * Anthropic `invalid_request_error` `prompt is too long: N tokens > M maximum`.
 */
export interface ContextLengthFault {
  fault: 'context-length';
  /** (Addition) The window the message states (M). Default 128,000 for OpenAI, 200,000 for Anthropic. */
  contextWindow?: number;
  /** (Addition) The prompt size the message states (N). Default: estimated from the request, at least M + 1. */
  promptTokens?: number;
}

/** 200 with a body that is not JSON, or, when streaming, one good event and then a broken `data:` line. */
export interface MalformedJsonFault {
  fault: 'malformed-json';
}

/** Waits `delayMs` before the first byte, then answers with `then` (default `{ text: 'ok' }`). */
export interface SlowFirstByteFault {
  fault: 'slow-first-byte';
  delayMs: number;
  then?: ScriptedReply;
}

/**
 * Destroys the socket mid-response. Without `afterBytes`: a JSON reply is cut before any byte is
 * sent (the client sees a reset connection), a streamed reply right after its first text delta. With
 * `afterBytes`: the status line and headers go out, then that many bytes of the body, then the cut.
 */
export interface DropConnectionFault {
  fault: 'drop-connection';
  afterBytes?: number;
}

/** One failure a scripted reply can stand for. */
export type ScriptedFault =
  | RateLimitFault
  | ServerErrorFault
  | InvalidKeyFault
  | ModelNotFoundFault
  | ContextLengthFault
  | MalformedJsonFault
  | SlowFirstByteFault
  | DropConnectionFault;

/** What the server answers one request with: a completion or a fault. */
export type ScriptedReply = TextReply | ScriptedFault;

const faultNames: readonly ScriptedFault['fault'][] = [
  'rate-limit',
  'server-error',
  'invalid-key',
  'model-not-found',
  'context-length',
  'malformed-json',
  'slow-first-byte',
  'drop-connection',
];

const serverErrorStatuses: readonly number[] = [500, 502, 503, 529];

/**
 * Throws `InvalidArgumentError` naming `argument` when `reply` is not a `ScriptedReply`, so a typo in a
 * script fails where it was written rather than as a puzzling HTTP answer.
 */
export function assertScriptedReply(reply: unknown, argument: string): asserts reply is ScriptedReply {
  const fail = (problem: string): never => {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} is not a valid scripted reply: ${problem}. Use { text: '…' } or { fault: '${faultNames.join("' | '")}' }.`,
    });
  };
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    fail(`expected an object, got ${describe(reply)}`);
  }
  const record = reply as Record<string, unknown>;
  if ('fault' in record) {
    const fault = record.fault;
    if (!faultNames.includes(fault as ScriptedFault['fault'])) fail(`unknown fault ${describe(fault)}`);
    switch (fault) {
      case 'rate-limit':
        checkOptionalNonNegative(record.retryAfterSeconds, 'retryAfterSeconds', fail);
        checkOptionalNonNegative(record.retryAfterMs, 'retryAfterMs', fail);
        break;
      case 'server-error':
        if (record.status !== undefined && !serverErrorStatuses.includes(record.status as number)) {
          fail(`status must be 500, 502, 503 or 529, got ${describe(record.status)}`);
        }
        break;
      case 'context-length':
        checkOptionalNonNegative(record.contextWindow, 'contextWindow', fail);
        checkOptionalNonNegative(record.promptTokens, 'promptTokens', fail);
        break;
      case 'slow-first-byte':
        if (record.delayMs === undefined) fail('slow-first-byte needs delayMs');
        checkOptionalNonNegative(record.delayMs, 'delayMs', fail);
        if (record.then !== undefined) assertScriptedReply(record.then, `${argument}.then`);
        break;
      case 'drop-connection':
        checkOptionalNonNegative(record.afterBytes, 'afterBytes', fail);
        break;
    }
    return;
  }
  if (typeof record.text !== 'string') fail(`text must be a string, got ${describe(record.text)}`);
  if (
    record.finishReason !== undefined &&
    record.finishReason !== 'stop' &&
    record.finishReason !== 'length'
  ) {
    fail(`finishReason must be 'stop' or 'length', got ${describe(record.finishReason)}`);
  }
  if (record.reasoningText !== undefined && typeof record.reasoningText !== 'string') {
    fail(`reasoningText must be a string, got ${describe(record.reasoningText)}`);
  }
  checkOptionalNonNegative(record.delayMs, 'delayMs', fail);
  checkOptionalNonNegative(record.chunkDelayMs, 'chunkDelayMs', fail);
  if (record.usage !== undefined) {
    if (typeof record.usage !== 'object' || record.usage === null) fail('usage must be an object');
    const usage = record.usage as Record<string, unknown>;
    for (const field of ['inputTokens', 'outputTokens']) {
      if (usage[field] === undefined) fail(`usage.${field} is required`);
    }
    for (const field of [
      'inputTokens',
      'outputTokens',
      'cachedInputTokens',
      'cacheWriteInputTokens',
      'reasoningTokens',
    ]) {
      checkOptionalNonNegative(usage[field], `usage.${field}`, fail);
    }
    const cached = (usage.cachedInputTokens as number | undefined) ?? 0;
    const written = (usage.cacheWriteInputTokens as number | undefined) ?? 0;
    if (cached + written > (usage.inputTokens as number)) {
      fail(
        `usage.inputTokens (${usage.inputTokens}) must include cachedInputTokens + cacheWriteInputTokens (${cached + written})`,
      );
    }
    if (((usage.reasoningTokens as number | undefined) ?? 0) > (usage.outputTokens as number)) {
      fail(
        `usage.outputTokens (${usage.outputTokens}) must include reasoningTokens (${usage.reasoningTokens})`,
      );
    }
  }
}

function checkOptionalNonNegative(value: unknown, field: string, fail: (problem: string) => never): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(`${field} must be a non-negative integer, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

import { isRecord, messageText } from './message-text';
import { randomId } from './random-id';
import type { RecordedMessage } from './recorded-request';
import type { TextReply } from './scripted-reply';
import { formatSseEvent, splitIntoDeltas } from './sse-event';
import type { CompletionRequest, WireError, WireErrorResponse, WireProtocol } from './wire-protocol';
import { retryAfterHeaders } from './wire-protocol';

/** The window an Anthropic `context-length` fault states when the script gives none (Claude's). */
const defaultContextWindow = 200_000;

/** Anthropic Messages (`POST /v1/messages`), as the official SDK reads it. */
export const anthropicProtocol: WireProtocol = {
  name: 'anthropic',

  describeRequest(body) {
    const record = isRecord(body) ? body : {};
    const messages: RecordedMessage[] = [];
    // The top-level `system` (a string or text blocks, possibly with cache_control) is the conversation's
    // first message in every other protocol; record it as one so tests compare like with like.
    if (record.system !== undefined) messages.push({ role: 'system', content: messageText(record.system) });
    if (Array.isArray(record.messages)) {
      for (const message of record.messages) {
        const entry = isRecord(message) ? message : {};
        const role = entry.role === 'assistant' || entry.role === 'system' ? entry.role : 'user';
        messages.push({ role, content: messageText(entry.content) });
      }
    }
    return {
      model: typeof record.model === 'string' ? record.model : '',
      stream: record.stream === true,
      ...(typeof record.max_tokens === 'number' ? { maxOutputTokens: record.max_tokens } : {}),
      messages,
    };
  },

  findInvalidRequest(body) {
    if (!isRecord(body)) {
      return {
        kind: 'invalid-request',
        message: 'There was an issue with your request body: it is not valid JSON.',
      };
    }
    // The API names the first missing field in pydantic's words.
    for (const field of ['model', 'messages', 'max_tokens']) {
      if (body[field] === undefined) return { kind: 'invalid-request', message: `${field}: Field required` };
    }
    if (!Array.isArray(body.messages))
      return { kind: 'invalid-request', message: 'messages: Input should be a valid list' };
    if (typeof body.max_tokens !== 'number') {
      return { kind: 'invalid-request', message: 'max_tokens: Input should be a valid integer' };
    }
    return undefined;
  },

  renderJson(reply, completion) {
    const { id, stopReason, wireUsage, signature } = completionParts(reply, completion);
    const thinkingBlocks =
      reply.reasoningText === undefined
        ? []
        : [{ type: 'thinking', thinking: reply.reasoningText, signature }];
    return JSON.stringify({
      id,
      type: 'message',
      role: 'assistant',
      model: completion.request.model,
      content: [...thinkingBlocks, { type: 'text', text: reply.text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: wireUsage,
    });
  },

  renderEvents(reply, completion) {
    const { request } = completion;
    const { id, stopReason, wireUsage, signature, outputDetails } = completionParts(reply, completion);
    const event = (data: Record<string, unknown> & { type: string }) =>
      formatSseEvent(JSON.stringify(data), data.type);
    const events: string[] = [
      event({
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: request.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // The API reports one output token at the start and the real count in `message_delta`.
          usage: { ...wireUsage, output_tokens: 1 },
        },
      }),
    ];
    let index = 0;
    if (reply.reasoningText !== undefined) {
      events.push(
        event({
          type: 'content_block_start',
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        }),
      );
      events.push(event({ type: 'ping' }));
      for (const piece of splitIntoDeltas(reply.reasoningText)) {
        events.push(
          event({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } }),
        );
      }
      events.push(
        event({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } }),
      );
      events.push(event({ type: 'content_block_stop', index }));
      index += 1;
    }
    events.push(event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    if (index === 0) events.push(event({ type: 'ping' }));
    const firstTextEventIndex = events.length;
    for (const piece of splitIntoDeltas(reply.text)) {
      events.push(event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    }
    events.push(event({ type: 'content_block_stop', index }));
    events.push(
      event({
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: {
          input_tokens: wireUsage.input_tokens,
          cache_creation_input_tokens: wireUsage.cache_creation_input_tokens,
          cache_read_input_tokens: wireUsage.cache_read_input_tokens,
          output_tokens: wireUsage.output_tokens,
          ...outputDetails,
        },
      }),
    );
    events.push(event({ type: 'message_stop' }));
    return { events, firstTextEventIndex };
  },

  renderMalformedJson() {
    return '{"id":"msg_01malformed","type":"message","role":"assistant","content":[{"type":"text","text":"this reply is cut sho';
  },

  renderMalformedEvents(request) {
    const start = JSON.stringify({
      type: 'message_start',
      message: {
        id: 'msg_01malformed',
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      },
    });
    return [
      formatSseEvent(start, 'message_start'),
      formatSseEvent(
        '{"type":"content_block_start","index":0,"content_block":{"type":"te',
        'content_block_start',
      ),
    ];
  },

  renderError(error) {
    return renderAnthropicError(error);
  },

  responseHeaders() {
    return { 'request-id': randomId('req_011', 24) };
  },
};

/** What the JSON and the streamed form of one completion share. */
function completionParts(reply: TextReply, { usage }: CompletionRequest) {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const outputDetails =
    usage.reasoningTokens === undefined
      ? {}
      : { output_tokens_details: { thinking_tokens: usage.reasoningTokens } };
  return {
    id: randomId('msg_01', 22),
    stopReason: reply.finishReason === 'length' ? 'max_tokens' : 'end_turn',
    signature: reply.reasoningText === undefined ? '' : randomId('Eq', 64),
    outputDetails,
    wireUsage: {
      // Anthropic counts uncached input only in `input_tokens`; cache reads and writes are reported beside it.
      input_tokens: usage.inputTokens - cacheRead - cacheWrite,
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
      cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
      output_tokens: usage.outputTokens,
      ...outputDetails,
      service_tier: 'standard',
    },
  };
}

function renderAnthropicError(error: WireError): WireErrorResponse {
  const answer = (
    status: number,
    type: string,
    message: string,
    headers: Record<string, string> = {},
  ): WireErrorResponse => ({
    status,
    headers,
    body: JSON.stringify({ type: 'error', error: { type, message }, request_id: randomId('req_011', 24) }),
  });
  switch (error.kind) {
    case 'rate-limit': {
      const wait =
        error.retryAfterSeconds ?? (error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000);
      return answer(
        429,
        'rate_limit_error',
        'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
        {
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': new Date(Date.now() + (wait ?? 1) * 1000).toISOString(),
          ...retryAfterHeaders(error),
        },
      );
    }
    case 'server-error':
      return error.status === 529
        ? answer(529, 'overloaded_error', 'Overloaded')
        : answer(error.status, 'api_error', serverErrorMessages[error.status] ?? 'Internal server error');
    case 'invalid-key':
      return answer(401, 'authentication_error', 'invalid x-api-key');
    case 'model-not-found':
      return answer(404, 'not_found_error', `model: ${error.model}`);
    case 'context-length': {
      const window = error.contextWindow ?? defaultContextWindow;
      const prompt = error.promptTokens ?? Math.max(error.estimatedPromptTokens, window + 1);
      return answer(400, 'invalid_request_error', `prompt is too long: ${prompt} tokens > ${window} maximum`);
    }
    case 'invalid-request':
      return answer(400, 'invalid_request_error', error.message);
    case 'route-not-found':
      return answer(404, 'not_found_error', error.message);
    case 'script-error':
      return answer(500, 'api_error', error.message);
  }
}

const serverErrorMessages: Readonly<Record<number, string>> = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

import { isRecord, messageText } from './message-text';
import { randomId } from './random-id';
import type { RecordedMessage } from './recorded-request';
import type { TextReply } from './scripted-reply';
import { formatSseEvent, splitIntoDeltas } from './sse-event';
import type { CompletionRequest, WireError, WireErrorResponse, WireProtocol } from './wire-protocol';
import { retryAfterHeaders } from './wire-protocol';

/** The window an OpenAI `context-length` fault states when the script gives none (gpt-4o's). */
const defaultContextWindow = 128_000;

/** Stands in for the build id OpenAI sends with every completion. */
const systemFingerprint = 'fp_rlm_test_server';

/** OpenAI Chat Completions (`POST /v1/chat/completions`), as the official SDK reads it. */
export const openaiProtocol: WireProtocol = {
  name: 'openai',

  describeRequest(body) {
    const record = isRecord(body) ? body : {};
    const maxOutputTokens = firstNumber(record.max_completion_tokens, record.max_tokens);
    return {
      model: typeof record.model === 'string' ? record.model : '',
      stream: record.stream === true,
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      messages: Array.isArray(record.messages) ? record.messages.map(toRecordedMessage) : [],
    };
  },

  findInvalidRequest(body) {
    if (!isRecord(body)) {
      return {
        kind: 'invalid-request',
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      };
    }
    if (typeof body.model !== 'string' || body.model === '') {
      return { kind: 'invalid-request', message: 'you must provide a model parameter' };
    }
    if (!Array.isArray(body.messages)) {
      return {
        kind: 'invalid-request',
        message: "Missing required parameter: 'messages'.",
        param: 'messages',
        code: 'missing_required_parameter',
      };
    }
    if (body.messages.length === 0) {
      return {
        kind: 'invalid-request',
        message:
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        param: 'messages',
        code: 'empty_array',
      };
    }
    return undefined;
  },

  renderJson(reply, completion) {
    const { id, created, finishReason, wireUsage } = completionParts(reply, completion);
    return JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model: completion.request.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.text,
            ...(reply.reasoningText === undefined ? {} : { reasoning_content: reply.reasoningText }),
            refusal: null,
            annotations: [],
          },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: wireUsage,
      service_tier: 'default',
      system_fingerprint: systemFingerprint,
    });
  },

  renderEvents(reply, completion) {
    const { request } = completion;
    const { id, created, finishReason, wireUsage } = completionParts(reply, completion);
    // With `stream_options.include_usage`, every chunk carries `usage: null` and one extra chunk with
    // no choices carries the totals, as the API does.
    const includeUsage =
      isRecord(request.body) && isRecord(request.body.stream_options)
        ? request.body.stream_options.include_usage === true
        : false;
    const chunk = (choices: unknown[], usageField: unknown = null): string =>
      formatSseEvent(
        JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model: request.model,
          service_tier: 'default',
          system_fingerprint: systemFingerprint,
          choices,
          ...(includeUsage ? { usage: usageField } : {}),
        }),
      );
    const deltaChoice = (delta: Record<string, unknown>, finish: string | null = null) => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    });

    const events: string[] = [];
    if (reply.reasoningText === undefined) {
      events.push(chunk([deltaChoice({ role: 'assistant', content: '', refusal: null })]));
    } else {
      // OpenAI-compatible servers (DeepSeek, vLLM, …) stream reasoning before the answer with `content: null`.
      events.push(chunk([deltaChoice({ role: 'assistant', content: null, reasoning_content: '' })]));
      for (const piece of splitIntoDeltas(reply.reasoningText)) {
        events.push(chunk([deltaChoice({ content: null, reasoning_content: piece })]));
      }
    }
    const firstTextEventIndex = events.length;
    for (const piece of splitIntoDeltas(reply.text)) events.push(chunk([deltaChoice({ content: piece })]));
    events.push(chunk([deltaChoice({}, finishReason)]));
    if (includeUsage) events.push(chunk([], wireUsage));
    events.push(formatSseEvent('[DONE]'));
    return { events, firstTextEventIndex };
  },

  renderMalformedJson() {
    return '{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"this reply is cut sho';
  },

  renderMalformedEvents(request) {
    const first = JSON.stringify({
      id: 'chatcmpl-malformed',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    return [
      formatSseEvent(first),
      formatSseEvent(
        '{"id":"chatcmpl-malformed","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"cut',
      ),
    ];
  },

  renderError(error) {
    return renderOpenAIError(error);
  },

  responseHeaders() {
    return { 'x-request-id': randomId('req_', 32) };
  },
};

function renderOpenAIError(error: WireError): WireErrorResponse {
  const answer = (
    status: number,
    message: string,
    type: string,
    param: string | null = null,
    code: string | null = null,
    headers: Record<string, string> = {},
  ): WireErrorResponse => ({
    status,
    headers,
    body: JSON.stringify({ error: { message, type, param, code } }),
  });
  switch (error.kind) {
    case 'rate-limit': {
      const wait =
        error.retryAfterSeconds ?? (error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000);
      return answer(
        429,
        `Rate limit reached for ${error.model} in organization org-rlm-test-server on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in ${formatWait(wait ?? 1)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'requests',
        null,
        'rate_limit_exceeded',
        {
          'x-ratelimit-limit-requests': '60',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': formatWait(wait ?? 1),
          ...retryAfterHeaders(error),
        },
      );
    }
    case 'server-error':
      return answer(
        error.status,
        serverErrorMessages[error.status] ?? serverErrorMessages[500]!,
        'server_error',
      );
    case 'invalid-key':
      return answer(
        401,
        'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    case 'model-not-found':
      return answer(
        404,
        `The model \`${error.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        null,
        'model_not_found',
      );
    case 'context-length': {
      const window = error.contextWindow ?? defaultContextWindow;
      const prompt = error.promptTokens ?? Math.max(error.estimatedPromptTokens, window + 1);
      return answer(
        400,
        `This model's maximum context length is ${window} tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`,
        'invalid_request_error',
        'messages',
        'context_length_exceeded',
      );
    }
    case 'invalid-request':
      return answer(400, error.message, 'invalid_request_error', error.param ?? null, error.code ?? null);
    case 'route-not-found':
      return answer(404, error.message, 'invalid_request_error', null, 'unknown_url');
    case 'script-error':
      return answer(500, error.message, 'server_error', null, 'rlm_test_server_script');
  }
}

const serverErrorMessages: Readonly<Record<number, string>> = {
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.',
  503: 'The server is overloaded or not ready yet.',
  529: 'The server is overloaded or not ready yet.',
};

/** What the JSON and the streamed form of one completion share. */
function completionParts(reply: TextReply, { usage }: CompletionRequest) {
  return {
    id: randomId('chatcmpl-', 29),
    created: Math.floor(Date.now() / 1000),
    finishReason: reply.finishReason ?? 'stop',
    wireUsage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: usage.reasoningTokens ?? 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
  };
}

function toRecordedMessage(message: unknown): RecordedMessage {
  const record = isRecord(message) ? message : {};
  return { role: normaliseRole(record.role), content: messageText(record.content) };
}

function normaliseRole(role: unknown): RecordedMessage['role'] {
  if (role === 'system' || role === 'developer') return 'system';
  if (role === 'assistant') return 'assistant';
  return 'user';
}

function firstNumber(...values: unknown[]): number | undefined {
  for (const value of values) if (typeof value === 'number') return value;
  return undefined;
}

/** A wait as OpenAI writes it: `200ms` under a second, else `1s`, `1.5s`. */
function formatWait(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${seconds}s`;
}

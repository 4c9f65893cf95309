import type { ServerResponse } from 'node:http';
import { estimateTokens } from '@rlm/core';
import { DEFAULT_EMBEDDING_DIMENSIONS, embedText } from './embedding-vector';
import { delay, sendJson, sendThenDrop } from './http-answer';
import { openaiProtocol } from './openai-protocol';
import type { RequestHandlerState } from './request-handler';
import type { ScriptedFault } from './scripted-reply';
import type { WireError } from './wire-protocol';

/** The most values one `/v1/embeddings` request may carry (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;
/** The most tokens one value may have (OpenAI's limit for its embedding models). */
export const MAX_EMBEDDING_INPUT_TOKENS = 8192;

const INVALID_INPUT =
  "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

/** An embeddings request as it arrived: headers lower-cased, the body as text. */
export interface EmbeddingsRequest {
  readonly headers: Record<string, string>;
  readonly rawBody: string;
}

/**
 * Answers `POST /v1/embeddings` in OpenAI's format with deterministic vectors (see `embedText`),
 * `float` or `base64` as `encoding_format` asks and `dimensions` long (default 256). The request is
 * recorded like a chat request (its `messages` empty); the server's `faults` mix applies to it as to
 * chat, but the reply script does not (embeddings are not scripted, and consume no reply).
 */
export async function answerEmbeddings(
  state: RequestHandlerState,
  request: EmbeddingsRequest,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  let body: unknown = request.rawBody;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    // Kept as text: the record shows what was sent, and the check below answers 400.
  }
  const record = body as { model?: unknown };
  state.requests.push({
    protocol: 'openai',
    method: 'POST',
    path: '/v1/embeddings',
    headers: request.headers,
    body,
    model: typeof record?.model === 'string' ? record.model : '',
    stream: false,
    messages: [],
    receivedAt: Date.now(),
  });
  const recorded = state.requests.at(-1)!;
  state.onRequest?.(recorded);
  const latencyMs = state.pickLatencyMs();
  const checked = readEmbeddingsBody(body);
  if ('kind' in checked) {
    if (await delay(latencyMs, signal)) sendError(response, checked);
    return;
  }
  const fault = state.pickFault(recorded);
  if (fault !== undefined) recorded.injectedFault = fault.fault;
  await answer(response, checked, fault, latencyMs, signal);
}

interface EmbeddingsBody {
  readonly model: string;
  readonly values: readonly string[];
  readonly dimensions: number;
  readonly base64: boolean;
}

async function answer(
  response: ServerResponse,
  body: EmbeddingsBody,
  fault: ScriptedFault | undefined,
  waitMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (fault?.fault === 'slow-first-byte') {
    await answer(response, body, undefined, waitMs + fault.delayMs, signal);
    return;
  }
  if (!(await delay(waitMs, signal))) return;
  const headers = openaiProtocol.responseHeaders();
  if (fault === undefined) {
    sendJson(response, 200, headers, renderEmbeddings(body));
    return;
  }
  switch (fault.fault) {
    case 'malformed-json':
      sendJson(
        response,
        200,
        headers,
        '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.12,',
      );
      return;
    case 'drop-connection': {
      if (fault.afterBytes === undefined) {
        response.socket?.destroy();
        return;
      }
      const json = Buffer.from(renderEmbeddings(body));
      sendThenDrop(
        response,
        200,
        { ...headers, 'content-type': 'application/json', 'content-length': String(json.length) },
        json.subarray(0, Math.min(fault.afterBytes, json.length - 1)),
      );
      return;
    }
    case 'rate-limit':
      sendError(response, {
        kind: 'rate-limit',
        model: body.model,
        ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }),
        ...(fault.retryAfterMs === undefined ? {} : { retryAfterMs: fault.retryAfterMs }),
      });
      return;
    case 'server-error':
      sendError(response, { kind: 'server-error', status: fault.status ?? 500 });
      return;
    case 'invalid-key':
      sendError(response, { kind: 'invalid-key' });
      return;
    case 'model-not-found':
      sendError(response, { kind: 'model-not-found', model: body.model });
      return;
    case 'context-length':
      sendError(response, {
        kind: 'context-length',
        contextWindow: fault.contextWindow ?? MAX_EMBEDDING_INPUT_TOKENS,
        estimatedPromptTokens: Math.max(...body.values.map((value) => estimateTokens(value))),
        ...(fault.promptTokens === undefined ? {} : { promptTokens: fault.promptTokens }),
      });
      return;
  }
}

/** The body's fields, or the 400 OpenAI gives a body it refuses. */
function readEmbeddingsBody(body: unknown): EmbeddingsBody | WireError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return openaiProtocol.findInvalidRequest(body) ?? { kind: 'invalid-request', message: INVALID_INPUT };
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.model !== 'string' || fields.model === '') {
    return { kind: 'invalid-request', message: 'you must provide a model parameter' };
  }
  if (fields.input === undefined) {
    return {
      kind: 'invalid-request',
      message: "Missing required parameter: 'input'.",
      param: 'input',
      code: 'missing_required_parameter',
    };
  }
  const values = typeof fields.input === 'string' ? [fields.input] : fields.input;
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.length > MAX_EMBEDDING_INPUTS ||
    !values.every((value) => typeof value === 'string' && value !== '')
  ) {
    return { kind: 'invalid-request', message: INVALID_INPUT, param: 'input' };
  }
  const longest = Math.max(...values.map((value: string) => estimateTokens(value)));
  if (longest > MAX_EMBEDDING_INPUT_TOKENS) {
    return {
      kind: 'context-length',
      contextWindow: MAX_EMBEDDING_INPUT_TOKENS,
      promptTokens: longest,
      estimatedPromptTokens: longest,
    };
  }
  const dimensions = fields.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  if (
    typeof dimensions !== 'number' ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > 4096
  ) {
    return {
      kind: 'invalid-request',
      message: `Invalid 'dimensions': expected an integer from 1 to 4096, got ${JSON.stringify(dimensions)}.`,
      param: 'dimensions',
    };
  }
  const format = fields.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    return {
      kind: 'invalid-request',
      message: `Invalid 'encoding_format': expected 'float' or 'base64', got ${JSON.stringify(format)}.`,
      param: 'encoding_format',
    };
  }
  return { model: fields.model, values: values as string[], dimensions, base64: format === 'base64' };
}

function renderEmbeddings(body: EmbeddingsBody): string {
  let promptTokens = 0;
  const data = body.values.map((value, index) => {
    promptTokens += estimateTokens(value);
    const vector = embedText(value, body.dimensions);
    return {
      object: 'embedding',
      index,
      embedding: body.base64
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
        : Array.from(vector),
    };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

function sendError(response: ServerResponse, error: WireError): void {
  const rendered = openaiProtocol.renderError(error);
  sendJson(
    response,
    rendered.status,
    { ...openaiProtocol.responseHeaders(), ...rendered.headers },
    rendered.body,
  );
}

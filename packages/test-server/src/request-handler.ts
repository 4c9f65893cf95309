import type { IncomingMessage, ServerResponse } from 'node:http';
import { estimateTokens } from '@rlm/core';
import { anthropicProtocol } from './anthropic-protocol';
import type { ConcurrencyGate } from './concurrency-limit';
import { delay, sendEvents, sendJson, sendThenDrop, sseHeaders } from './http-answer';
import { modelList } from './model-list';
import { answerEmbeddings } from './openai-embeddings';
import { openaiProtocol } from './openai-protocol';
import type { RecordedRequest } from './recorded-request';
import type { ReplyScript } from './reply-script';
import type { ScriptedFault, ScriptedReply, ScriptedUsage, TextReply } from './scripted-reply';
import type { WireError, WireProtocol } from './wire-protocol';

/** What a request handler needs from the server it belongs to. */
export interface RequestHandlerState {
  readonly script: ReplyScript;
  readonly requests: RecordedRequest[];
  readonly pickLatencyMs: () => number;
  /** Draws the random fault (if any) that answers this request instead of the script. */
  readonly pickFault: (request: RecordedRequest) => ScriptedFault | undefined;
  /** Answers in progress; the server aborts them all on `close()` so none waits on a timer past it. */
  readonly inProgress: Set<AbortController>;
  /** Completion requests in flight, and the limit above which they are answered 429. */
  readonly concurrency: ConcurrencyGate;
  readonly onRequest?: (request: RecordedRequest) => void;
}

const routes: Readonly<Record<string, WireProtocol>> = {
  'POST /v1/chat/completions': openaiProtocol,
  'POST /v1/messages': anthropicProtocol,
};

/** Answers one HTTP request: routes it, records it, asks the script, and writes the scripted answer. */
export async function handleRequest(
  state: RequestHandlerState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Latency counts from here: the server's own work on the request (reading and recording it, the
  // script, waiting behind a burst of others) happens inside it, as a provider's does, instead of
  // adding to it — a burst of 64 requests would otherwise spread their answers over the ~20 ms the
  // server takes to read them all.
  const arrivedAt = performance.now();
  const latencyLeft = () => Math.max(0, state.pickLatencyMs() - (performance.now() - arrivedAt));
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const method = request.method ?? 'GET';
  const protocol = routes[`${method} ${path}`];
  // One signal for "stop answering": the client hung up or the server is closing.
  const cancel = new AbortController();
  state.inProgress.add(cancel);
  response.on('close', () => {
    // Aborting costs a DOMException; only an answer cut short has anything left to stop.
    if (!response.writableFinished) cancel.abort();
    state.inProgress.delete(cancel);
  });

  if (method === 'POST' && path === '/v1/embeddings') {
    const rawBody = await readBody(request);
    await answerEmbeddings(
      { ...state, pickLatencyMs: latencyLeft },
      { headers: flattenHeaders(request.headers), rawBody },
      response,
      cancel.signal,
    );
    return;
  }
  if (protocol === undefined) {
    // Drain the body so the connection stays usable for the client's next request.
    request.resume();
    const guessed =
      request.headers['anthropic-version'] || request.headers['x-api-key']
        ? anthropicProtocol
        : openaiProtocol;
    if (!(await delay(latencyLeft(), cancel.signal))) return;
    if (method === 'GET' && path === '/v1/models') {
      sendJson(response, 200, guessed.responseHeaders(), JSON.stringify(modelList(guessed.name)));
      return;
    }
    const answer = guessed.renderError({
      kind: 'route-not-found',
      message: `rlm test server: no route for ${method} ${path}. It answers POST /v1/chat/completions and POST /v1/embeddings (OpenAI: use server.openaiBaseURL as the SDK's baseURL), POST /v1/messages (Anthropic: use server.anthropicBaseURL) and GET /v1/models.`,
    });
    sendJson(response, answer.status, { ...guessed.responseHeaders(), ...answer.headers }, answer.body);
    return;
  }

  const rawBody = await readBody(request);
  let body: unknown = rawBody;
  try {
    body = JSON.parse(rawBody);
  } catch {
    // Kept as text: the record shows what was sent and the protocol answers with its own 400.
  }
  const recorded: RecordedRequest = {
    protocol: protocol.name,
    method,
    path,
    headers: flattenHeaders(request.headers),
    body,
    ...protocol.describeRequest(body),
    receivedAt: Date.now(),
  };
  state.requests.push(recorded);
  const number = state.requests.length;
  state.onRequest?.(recorded);

  if (!state.concurrency.enter()) {
    recorded.injectedFault = 'concurrency-limit';
    const retryAfterMs = state.concurrency.retryAfterMs;
    sendError(protocol, response, { kind: 'rate-limit', model: recorded.model, retryAfterMs });
    return;
  }
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    state.concurrency.leave();
  };
  response.on('close', leave);
  response.on('finish', leave);

  const invalid = protocol.findInvalidRequest(body);
  if (invalid !== undefined) {
    if (!(await delay(latencyLeft(), cancel.signal))) return;
    sendError(protocol, response, invalid);
    return;
  }
  const injected = state.pickFault(recorded);
  if (injected !== undefined) {
    recorded.injectedFault = injected.fault;
    await sendReply(protocol, recorded, injected, latencyLeft(), response, cancel.signal);
    return;
  }
  const outcome = await state.script.next(recorded, number);
  const latencyMs = latencyLeft();
  if ('problem' in outcome) {
    if (!(await delay(latencyMs, cancel.signal))) return;
    sendError(protocol, response, { kind: 'script-error', message: outcome.problem });
    return;
  }
  await sendReply(protocol, recorded, outcome.reply, latencyMs, response, cancel.signal);
}

async function sendReply(
  protocol: WireProtocol,
  request: RecordedRequest,
  reply: ScriptedReply,
  waitMs: number,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  if ('fault' in reply && reply.fault === 'slow-first-byte') {
    await sendReply(
      protocol,
      request,
      reply.then ?? { text: 'ok' },
      waitMs + reply.delayMs,
      response,
      signal,
    );
    return;
  }
  const extraDelay = 'fault' in reply ? 0 : (reply.delayMs ?? 0);
  if (!(await delay(waitMs + extraDelay, signal))) return;
  const headers = protocol.responseHeaders();

  if (!('fault' in reply)) {
    const completion = { request, usage: resolveUsage(reply, request) };
    if (request.stream) {
      const { events } = protocol.renderEvents(reply, completion);
      await sendEvents(response, headers, events, reply.chunkDelayMs ?? 0, signal);
    } else {
      sendJson(response, 200, headers, protocol.renderJson(reply, completion));
    }
    return;
  }
  switch (reply.fault) {
    case 'malformed-json':
      if (request.stream)
        await sendEvents(response, headers, protocol.renderMalformedEvents(request), 0, signal);
      else sendJson(response, 200, headers, protocol.renderMalformedJson(request));
      return;
    case 'drop-connection':
      dropConnection(protocol, request, reply.afterBytes, response);
      return;
    case 'rate-limit':
      sendError(protocol, response, {
        kind: 'rate-limit',
        model: request.model,
        ...(reply.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: reply.retryAfterSeconds }),
        ...(reply.retryAfterMs === undefined ? {} : { retryAfterMs: reply.retryAfterMs }),
      });
      return;
    case 'server-error':
      sendError(protocol, response, { kind: 'server-error', status: reply.status ?? 500 });
      return;
    case 'invalid-key':
      sendError(protocol, response, { kind: 'invalid-key' });
      return;
    case 'model-not-found':
      sendError(protocol, response, { kind: 'model-not-found', model: request.model });
      return;
    case 'context-length':
      sendError(protocol, response, {
        kind: 'context-length',
        ...(reply.contextWindow === undefined ? {} : { contextWindow: reply.contextWindow }),
        ...(reply.promptTokens === undefined ? {} : { promptTokens: reply.promptTokens }),
        estimatedPromptTokens: estimatePromptTokens(request),
      });
      return;
  }
}

/**
 * Cuts the connection: before any byte of a JSON answer (or after `afterBytes` of its body), and
 * after the first text delta of a streamed one (or after `afterBytes` of the stream).
 */
function dropConnection(
  protocol: WireProtocol,
  request: RecordedRequest,
  afterBytes: number | undefined,
  response: ServerResponse,
): void {
  const reply = { text: 'This answer never arrives in full.' };
  const completion = { request, usage: { inputTokens: estimatePromptTokens(request), outputTokens: 8 } };
  const headers = protocol.responseHeaders();
  if (request.stream) {
    const { events, firstTextEventIndex } = protocol.renderEvents(reply, completion);
    const stream = Buffer.from(events.join(''));
    const cut = afterBytes ?? Buffer.byteLength(events.slice(0, firstTextEventIndex + 1).join(''));
    sendThenDrop(
      response,
      200,
      { ...headers, ...sseHeaders },
      stream.subarray(0, Math.min(cut, stream.length - 1)),
    );
    return;
  }
  if (afterBytes === undefined) {
    response.socket?.destroy();
    return;
  }
  const json = Buffer.from(protocol.renderJson(reply, completion));
  sendThenDrop(
    response,
    200,
    { ...headers, 'content-type': 'application/json', 'content-length': String(json.length) },
    json.subarray(0, Math.min(afterBytes, json.length - 1)),
  );
}

function sendError(protocol: WireProtocol, response: ServerResponse, error: WireError): void {
  const answer = protocol.renderError(error);
  sendJson(response, answer.status, { ...protocol.responseHeaders(), ...answer.headers }, answer.body);
}

function resolveUsage(reply: TextReply, request: RecordedRequest): ScriptedUsage {
  if (reply.usage !== undefined) return reply.usage;
  const reasoningTokens = reply.reasoningText === undefined ? undefined : estimateTokens(reply.reasoningText);
  return {
    inputTokens: estimatePromptTokens(request),
    outputTokens: estimateTokens(reply.text) + (reasoningTokens ?? 0),
    ...(reasoningTokens === undefined ? {} : { reasoningTokens }),
  };
}

function estimatePromptTokens(request: RecordedRequest): number {
  return request.messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

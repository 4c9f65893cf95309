import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APICallError, APIConnectionError, RateLimitError } from '@rlm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropic } from './anthropic-provider';
import { failureOf } from './anthropic-test-fixture';

// Answers `@rlm/test-server` has no fault for, from a plain local HTTP server: a proxy's HTML page,
// an `error` event inside a 200 stream, a stream that ends cleanly before `message_stop`.

type Answer = (response: ServerResponse) => void;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A server that answers its requests with `answers`, in order; `requests` counts them. */
async function serverAnswering(...answers: Answer[]) {
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const answer = answers[state.requests++];
      if (answer) answer(response);
      else response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseURL, state };
}

function sse(...events: { type: string; [key: string]: unknown }[]): Answer {
  return (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''));
  };
}

const start = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content: [],
    stop_reason: null,
    usage: { input_tokens: 5, output_tokens: 1 },
  },
};
const textBlock = (text: string) => [
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
  { type: 'content_block_stop', index: 0 },
];
const finished = [
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
  { type: 'message_stop' },
];
const errorEvent = (type: string, message: string) => ({ type: 'error', error: { type, message } });

const messages = [{ role: 'user' as const, content: 'hello' }];

function modelAt(baseURL: string, stream: boolean, maxRetries = 0) {
  return createAnthropic({ apiKey: 'test-key', baseURL, maxRetries, retry: { initialDelayMs: 1 } })(
    'claude-sonnet-4-6',
    { stream },
  );
}

const connectionAdvice = 'Check baseURL (or ANTHROPIC_BASE_URL) and the network.';

describe('answers the test server cannot give', () => {
  it("a proxy's HTML error page → APICallError with the page (cut) in the message and as responseBody, retried", async () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>${'<p>nginx</p>'.repeat(500)}</body></html>`;
    const htmlPage: Answer = (response) => response.writeHead(502, { 'content-type': 'text/html' }).end(page);
    const { baseURL, state } = await serverAnswering(htmlPage, htmlPage);
    const error = await failureOf(modelAt(baseURL, false, 1).doGenerate({ messages }));
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.message).toBe(`The Anthropic call failed (502: ${page.slice(0, 500)}).`);
    expect(error.responseBody).toBe(page.slice(0, 4_000));
    expect(error).toMatchObject({ statusCode: 502, isRetryable: true, url: `${baseURL}/v1/messages` });
    expect(state.requests).toBe(2);
  });

  it('an overloaded_error event mid-stream is retried, then the answer', async () => {
    const { baseURL, state } = await serverAnswering(
      sse(start, errorEvent('overloaded_error', 'Overloaded')),
      sse(start, ...textBlock('after the overload'), ...finished),
    );
    const retried: unknown[] = [];
    const result = await createAnthropic({
      apiKey: 'test-key',
      baseURL,
      retry: { initialDelayMs: 1, onRetry: ({ error }) => retried.push(error) },
    })('claude-sonnet-4-6', { stream: true }).doGenerate({ messages });
    expect(result.text).toBe('after the overload');
    expect(state.requests).toBe(2);
    expect(retried).toHaveLength(1);
    expect((retried[0] as APICallError).message).toBe(
      'The Anthropic stream failed with overloaded_error: Overloaded',
    );
  });

  it('an invalid_request_error event mid-stream fails at once; a rate_limit_error event is a RateLimitError', async () => {
    const { baseURL, state } = await serverAnswering(
      sse(start, errorEvent('invalid_request_error', 'messages: text content blocks must be non-empty')),
      sse(start, errorEvent('rate_limit_error', 'Number of request tokens has exceeded your rate limit')),
    );
    const invalid = await failureOf(modelAt(baseURL, true, 3).doGenerate({ messages }));
    expect(APICallError.isInstance(invalid)).toBe(true);
    expect(invalid.message).toBe(
      'The Anthropic stream failed with invalid_request_error: messages: text content blocks must be non-empty',
    );
    expect(invalid.isRetryable).toBe(false);
    expect(invalid.statusCode).toBeUndefined();
    expect(state.requests).toBe(1);
    const limited = await failureOf(
      createAnthropic({ apiKey: 'k', baseURL, maxRetries: 0 })('claude-sonnet-4-6', {
        stream: true,
      }).doGenerate({
        messages,
      }),
    );
    expect(RateLimitError.isInstance(limited)).toBe(true);
    expect(limited.message).toBe(
      'Anthropic rate-limited the stream: Number of request tokens has exceeded your rate limit',
    );
  });

  it('a stream that ends cleanly before message_stop is retried; when it keeps happening → APIConnectionError', async () => {
    const cut = sse(start, ...textBlock('half an ans'));
    const { baseURL, state } = await serverAnswering(
      cut,
      cut,
      sse(start, ...textBlock('whole'), ...finished),
    );
    const error = await failureOf(modelAt(baseURL, true, 1).doGenerate({ messages }));
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Could not complete the request to the Anthropic API at ${baseURL}: The response stream ended before its message_stop event (the connection dropped mid-answer). ${connectionAdvice}`,
    );
    expect(state.requests).toBe(2);
    const result = await modelAt(baseURL, true, 1).doGenerate({ messages });
    expect(result.text).toBe('whole');
  });
});

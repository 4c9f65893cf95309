import {
  APICallError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  RateLimitError,
} from '@rlm/core';
import {
  OpenAIError as SDKBaseError,
  APIConnectionError as SDKConnectionError,
  APIConnectionTimeoutError as SDKConnectionTimeoutError,
  APIError as SDKError,
} from 'openai';
import { describe, expect, it } from 'vitest';
import { mapOpenAIError } from './map-openai-error';
import { createOpenAI } from './openai-provider';
import type { OpenAIRequestContext } from './openai-request-context';
import { failureOf } from './openai-test-fixture';

// The branches of the mapping one by one. Answers with a status come over the provider's real
// request path, from a `fetch` that answers at the wire level; errors that never had a status
// (timeouts, sockets, the SDK's own) are mapped directly, as the SDK builds them.

const local = 'http://gpu-box:8000/v1';
const messages = [{ role: 'user', content: 'hello' }] as const;

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
  /** Where the provider points; `undefined`: OpenAI's own API. Default: a local server. */
  readonly baseURL?: string | undefined;
  readonly stream?: boolean;
}

/** What one call fails with when the server answers `answer` (no retries). */
async function failureFor(answer: Answer) {
  const baseURL = 'baseURL' in answer ? answer.baseURL : local;
  const fetchFunction: typeof fetch = async () =>
    new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  const provider = createOpenAI({
    ...(baseURL === undefined ? {} : { baseURL }),
    apiKey: 'k',
    fetch: fetchFunction,
    maxRetries: 0,
    retry: { maxRateLimitRetries: 0 },
  });
  return failureOf(
    provider('gpt-4.1', { contextWindow: 50_000, stream: answer.stream ?? false }).doGenerate({ messages }),
  );
}

const openAIError = (message: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null, ...fields } });

describe('statuses, as a local server and as OpenAI', () => {
  it('401 from OpenAI with a key passed as an option says to pass a valid one', async () => {
    const error = await failureFor({
      status: 401,
      body: openAIError('Incorrect API key provided: k.', { code: 'invalid_api_key' }),
      baseURL: undefined,
    });
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      'OpenAI rejected the API key passed as the apiKey option (401: Incorrect API key provided: k.). ' +
        'Pass a valid key, or leave apiKey out to use OPENAI_API_KEY.',
    );
  });

  it('401 from a local server names its base URL in the fix', async () => {
    const error = await failureFor({ status: 401, body: openAIError('bad key') });
    expect(error.message).toBe(
      `The server at ${local} rejected the API key (401: bad key). ` +
        `Pass the key it expects as createOpenAI({ baseURL: '${local}', apiKey }).`,
    );
  });

  it('403 → AuthenticationError: the key may not use the model', async () => {
    for (const [baseURL, name] of [
      [local, `The server at ${local}`],
      [undefined, 'OpenAI'],
    ] as const) {
      const error = await failureFor({
        status: 403,
        body: openAIError('Project does not have access to model gpt-4.1'),
        baseURL,
      });
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ statusCode: 403, isRetryable: false });
      expect(error.message).toBe(
        `${name} refused the request (403: Project does not have access to model gpt-4.1). ` +
          "Check that the API key (and its organization or project) may use 'gpt-4.1'.",
      );
    }
  });

  it('404 from OpenAI → ModelNotFoundError pointing at the id and the key, not at baseURL', async () => {
    const error = await failureFor({
      status: 404,
      body: openAIError('The model `gpt-4.1` does not exist or you do not have access to it.'),
      baseURL: undefined,
    });
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      "OpenAI does not know the model 'gpt-4.1' (404: The model `gpt-4.1` does not exist or you do not have access to it.). " +
        'Check the model id and that your key has access to it.',
    );
  });

  it('5xx → APICallError "failed with a server error", retryable, body kept up to 10,000 characters', async () => {
    const message = `upstream: ${'x'.repeat(12_000)}`;
    const body = openAIError(message);
    const error = await failureFor({ status: 502, body });
    expect(error.message).toBe(`The server at ${local} failed with a server error (502: ${message}).`);
    expect(error).toMatchObject({ statusCode: 502, isRetryable: true, url: `${local}/chat/completions` });
    expect(error.responseBody).toBe(body.slice(0, 10_000));
  });

  it('other 4xx → "rejected the request", without advice when no setting is named', async () => {
    const error = await failureFor({ status: 400, body: openAIError("Invalid 'messages': empty array.") });
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect(error.message).toBe(
      `The server at ${local} rejected the request (400: Invalid 'messages': empty array.).`,
    );
  });
});

describe('rate limits and quota', () => {
  const limitMessage = 'Rate limit reached for gpt-4.1 on tokens per min (TPM): Limit 30000, Used 30000.';
  const advice = '. Lower the concurrency (maxConcurrency of createRLM) or raise maxRetries.';

  it('429 with and without a wait: the wait in the message and on the error', async () => {
    const waited = await failureFor({
      status: 429,
      body: openAIError(limitMessage, { type: 'tokens', code: 'rate_limit_exceeded' }),
      headers: { 'retry-after-ms': '1500' },
    });
    expect(RateLimitError.isInstance(waited)).toBe(true);
    expect(waited).toMatchObject({ retryAfterMs: 1_500, isRetryable: true, statusCode: 429 });
    expect(waited.message).toBe(
      `The server at ${local} rate-limited the call (429: ${limitMessage}); it asked to wait 1500 ms${advice}`,
    );
    const unsaid = await failureFor({ status: 429, body: openAIError(limitMessage) });
    expect(unsaid.retryAfterMs).toBeUndefined();
    expect(unsaid.message).toBe(
      `The server at ${local} rate-limited the call (429: ${limitMessage})${advice}`,
    );
  });

  it('429 out of quota, said by code or by type alone → RateLimitError that is not retried', async () => {
    const quota = 'You exceeded your current quota, please check your plan and billing details.';
    for (const fields of [
      { code: 'insufficient_quota', type: 'requests' },
      { code: null, type: 'insufficient_quota' },
    ]) {
      const error = await failureFor({
        status: 429,
        body: openAIError(quota, fields),
        headers: { 'retry-after': '20' },
        baseURL: undefined,
      });
      expect(RateLimitError.isInstance(error)).toBe(true);
      expect(error.isRetryable).toBe(false);
      expect(error.message).toBe(
        `OpenAI refused the call: the account is out of quota (429: ${quota}). Check the plan and billing details; retrying will not help.`,
      );
    }
  });

  it("a top-level type (older vLLM's shape) counts as the error's type", async () => {
    const error = await failureFor({
      status: 429,
      body: JSON.stringify({ object: 'error', message: 'quota gone', type: 'insufficient_quota', code: 429 }),
    });
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain('out of quota (429: quota gone)');
  });
});

describe('context window', () => {
  const said = (window: number) =>
    `This model's maximum context length is ${window} tokens. However, your messages resulted in 60000 tokens.`;

  it('advises setting contextWindow only when the server states a window smaller than the model was given', async () => {
    const smaller = await failureFor({
      status: 400,
      body: openAIError(said(32_768), { code: 'context_length_exceeded' }),
    });
    expect(ContextWindowExceededError.isInstance(smaller)).toBe(true);
    expect(smaller).toMatchObject({ modelId: 'gpt-4.1', contextWindow: 32_768, promptTokens: 60_000 });
    expect(smaller.message).toBe(
      `The prompt does not fit the context window of 'gpt-4.1' (400: ${said(32_768)}). ` +
        'Send a smaller piece, and set { contextWindow: 32768 } on the model so that the loop splits before sending.',
    );
    for (const window of [50_000, 128_000]) {
      const notSmaller = await failureFor({ status: 400, body: openAIError(said(window)) });
      expect(notSmaller.contextWindow).toBe(window);
      expect(notSmaller.message).toBe(
        `The prompt does not fit the context window of 'gpt-4.1' (400: ${said(window)}). Send a smaller piece.`,
      );
    }
  });

  it("without a stated window: the model's own, and no advice", async () => {
    const error = await failureFor({
      status: 400,
      body: JSON.stringify({ error: 'the request exceeds the available context size, try increasing it' }),
    });
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(error.contextWindow).toBe(50_000);
    expect(error.promptTokens).toBeUndefined();
    expect(error.message).toBe(
      "The prompt does not fit the context window of 'gpt-4.1' " +
        '(400: the request exceeds the available context size, try increasing it). Send a smaller piece.',
    );
  });

  it('a code alone says so, at the top level too', async () => {
    const error = await failureFor({
      status: 400,
      body: JSON.stringify({ object: 'error', message: 'Bad request', code: 'context_length_exceeded' }),
    });
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
  });
});

describe('advice for the settings a server names', () => {
  const hintFor = async (message: string, param: string | null = null) =>
    (await failureFor({ status: 400, body: openAIError(message, { param }) })).message.slice(
      `The server at ${local} rejected the request (400: ${message}).`.length,
    );
  const useCompletionTokens =
    ' Set { reasoningModel: true } on the model so that the cap is sent as max_completion_tokens.';
  const useMaxTokens = ' Set { reasoningModel: false } on the model so that the cap is sent as max_tokens.';

  it('max_tokens refused in favour of max_completion_tokens → reasoningModel: true', async () => {
    expect(
      await hintFor(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      ),
    ).toBe(useCompletionTokens);
    expect(await hintFor('max_tokens is not supported by this model; it takes max_completion_tokens.')).toBe(
      useCompletionTokens,
    );
  });

  it('max_completion_tokens refused → reasoningModel: false', async () => {
    expect(await hintFor('max_completion_tokens is unsupported here; send max_tokens.')).toBe(useMaxTokens);
    expect(await hintFor('Unrecognized request argument supplied: max_completion_tokens')).toBe(useMaxTokens);
    expect(await hintFor('Extra inputs are not permitted', 'max_completion_tokens')).toBe(useMaxTokens);
  });

  it('no reasoningModel advice when only one of the two is named, or nothing is refused', async () => {
    expect(await hintFor("Unsupported parameter: 'max_tokens'")).toBe('');
    expect(await hintFor('Invalid value: must be at least 1', 'max_completion_tokens')).toBe('');
    expect(await hintFor('Unsupported value: stop sequences are not supported')).toBe('');
  });

  it('reasoning_effort and temperature, named in the message or as the param', async () => {
    expect(await hintFor("Unsupported value: 'reasoning_effort' does not support 'minimal'.")).toBe(
      ' Check the reasoningEffort setting: this model may not accept it or this value.',
    );
    expect(await hintFor('Unsupported value: only the default (1) value is supported.', 'temperature')).toBe(
      ' Check the temperature setting: reasoning models accept only the default.',
    );
  });
});

describe('error bodies in every shape', () => {
  it("a proxy's HTML page: its text (cut to 500 characters) in the message, the whole page as responseBody", async () => {
    const page = `<html><body><h1>502 Bad Gateway</h1>${'<p>nginx</p>'.repeat(100)}</body></html>`;
    const error = await failureFor({
      status: 502,
      body: `\n${page}\n`,
      headers: { 'content-type': 'text/html' },
    });
    expect(error.message).toBe(
      `The server at ${local} failed with a server error (502: ${page.slice(0, 500)}).`,
    );
    expect(error.responseBody).toBe(`\n${page}\n`);
  });

  it('an empty body, or JSON that is a bare string or null', async () => {
    for (const body of ['', ' \n ']) {
      const empty = await failureFor({ status: 503, body });
      expect(empty.message).toBe(
        `The server at ${local} failed with a server error (503: status code (no body)).`,
      );
    }
    const bareString = await failureFor({ status: 503, body: '"model is loading"' });
    expect(bareString.message).toBe(
      `The server at ${local} failed with a server error (503: "model is loading").`,
    );
    const nullBody = await failureFor({ status: 503, body: 'null' });
    expect(nullBody.message).toBe(`The server at ${local} failed with a server error (503: null).`);
  });

  it('an empty message in the body falls back to the next place a server puts one', async () => {
    const error = await failureFor({
      status: 400,
      body: JSON.stringify({ error: { message: '' }, detail: 'Bad field' }),
    });
    expect(error.message).toBe(`The server at ${local} rejected the request (400: Bad field).`);
  });

  it('JSON in a shape no known server uses is shown as it is, not as "no body"', async () => {
    const body = JSON.stringify({ errors: [{ msg: 'field required', loc: ['body', 'model'] }] });
    const error = await failureFor({ status: 422, body: ` ${body} ` });
    expect(error.message).toBe(`The server at ${local} rejected the request (422: ${body}).`);
  });

  it('a top-level param names the setting', async () => {
    const error = await failureFor({
      status: 400,
      body: JSON.stringify({ object: 'error', message: 'Invalid value', param: 'temperature' }),
    });
    expect(error.message).toContain('Check the temperature setting');
  });
});

describe('an error event inside a 200 stream', () => {
  it('→ APICallError with no status, "reported an error mid-stream", the event as responseBody', async () => {
    const event = { error: { message: 'Provider returned error', code: 502 } };
    const error = await failureFor({
      status: 200,
      body: `data: ${JSON.stringify(event)}\n\n`,
      headers: { 'content-type': 'text/event-stream' },
      stream: true,
    });
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.statusCode).toBeUndefined();
    expect(error.message).toBe(
      `The server at ${local} reported an error mid-stream: Provider returned error`,
    );
    expect(JSON.parse(error.responseBody)).toEqual(event.error);
    expect(error.url).toBe(`${local}/chat/completions`);
  });

  it('an event without a message shows its error object as sent', async () => {
    const event = { error: { code: 'upstream_error', detail: 'retry in 300 seconds' } };
    const error = await failureFor({
      status: 200,
      body: `data: ${JSON.stringify(event)}\n\n`,
      headers: { 'content-type': 'text/event-stream' },
      stream: true,
    });
    expect(error.message).toBe(
      `The server at ${local} reported an error mid-stream: ${JSON.stringify(event.error)}`,
    );
  });
});

describe('errors without a status, mapped directly', () => {
  const context: OpenAIRequestContext = {
    provider: 'vllm',
    modelId: 'qwen3',
    baseURL: local,
    isOpenAIHost: false,
    apiKeySource: 'option',
    contextWindow: 32_768,
    timeoutMs: 90_000,
  };
  // biome-ignore lint/suspicious/noExplicitAny: tests read the mapped errors' fields freely
  const mapped = (error: unknown): any => mapOpenAIError(error, context);
  const withCode = (message: string, code: string, cause?: unknown) =>
    Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
  const connection = (cause?: unknown) =>
    new SDKConnectionError({ message: undefined, cause: cause as Error });

  it("an error that already is core's passes through; what is not an Error stays as it is", () => {
    const already = new APIConnectionError({ provider: 'vllm', message: 'mapped before' });
    expect(mapped(already)).toBe(already);
    expect(mapped('a string')).toBe('a string');
    expect(mapped(undefined)).toBeUndefined();
  });

  it('a timeout → APITimeoutError naming the timeout and the fixes', () => {
    const cause = new SDKConnectionTimeoutError();
    const error = mapped(cause);
    expect(APITimeoutError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `No response from ${local} within 90000 ms. ` +
        'Raise the timeout option of createOpenAI, or set { stream: true } on the model for long generations.',
    );
    expect(error).toMatchObject({
      provider: 'vllm',
      url: `${local}/chat/completions`,
      cause,
      isRetryable: true,
    });
  });

  it('nothing answering (the code on an inner error of an AggregateError) → "Could not connect"', () => {
    const refused = new AggregateError(
      [
        new Error('connect: no route (no code)'),
        withCode('connect ECONNREFUSED ::1:8000', 'ECONNREFUSED'),
        withCode('connect EHOSTUNREACH 10.0.0.9:8000', 'EHOSTUNREACH'),
      ],
      '',
    );
    const error = mapped(connection(new TypeError('fetch failed', { cause: refused })));
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Could not connect to ${local} (fetch failed [ECONNREFUSED]). Is the server running? Check baseURL.`,
    );
    expect(error.isRetryable).toBe(true);
  });

  for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']) {
    it(`${code} is "Could not connect" too`, () => {
      const error = mapped(
        connection(new TypeError('fetch failed', { cause: withCode(`getaddrinfo ${code} gpu-box`, code) })),
      );
      expect(error.message).toBe(
        `Could not connect to ${local} (fetch failed: getaddrinfo ${code} gpu-box). Is the server running? Check baseURL.`,
      );
    });
  }

  it('a connection that broke → "failed before a response arrived", each message once, the code when not said', () => {
    const error = mapped(
      connection(
        new TypeError('fetch failed', {
          cause: withCode('other side closed', 'UND_ERR_SOCKET', new Error('fetch failed')),
        }),
      ),
    );
    expect(error.message).toBe(
      `The connection to ${local} failed before a response arrived (fetch failed: other side closed [UND_ERR_SOCKET]). The call can be retried.`,
    );
    const said = mapped(connection(withCode('read ECONNRESET', 'ECONNRESET')));
    expect(said.message).toBe(
      `The connection to ${local} failed before a response arrived (read ECONNRESET). The call can be retried.`,
    );
  });

  it('an SDK status error with no body at all → no responseBody, and the message says so', () => {
    const error = mapped(new SDKError(500, undefined, undefined, undefined));
    expect(error.message).toBe(
      `The server at ${local} failed with a server error (500: status code (no body)).`,
    );
    expect(error.responseBody).toBeUndefined();
    expect(error.statusCode).toBe(500);
  });

  it('no details at all → "no details", and no code', () => {
    const error = mapped(connection());
    expect(error.message).toBe(
      `The connection to ${local} failed before a response arrived (no details). The call can be retried.`,
    );
    const nullCause = mapped(connection(new Error('socket hang up', { cause: null })));
    expect(nullCause.message).toBe(
      `The connection to ${local} failed before a response arrived (socket hang up). The call can be retried.`,
    );
    const empty = mapped(connection(new Error('', { cause: new Error('socket hang up') })));
    expect(empty.message).toBe(
      `The connection to ${local} failed before a response arrived (socket hang up). The call can be retried.`,
    );
  });

  it("reads the messages of four errors down the cause chain (the SDK's own first), a code five causes deep", () => {
    let chain: Error = withCode('level 6', 'ECONNREFUSED');
    for (let level = 5; level >= 1; level--) chain = new Error(`level ${level}`, { cause: chain });
    expect(mapped(connection(chain)).message).toBe(
      `The connection to ${local} failed before a response arrived (level 1: level 2: level 3). The call can be retried.`,
    );
    const shallower = withCode('level 5', 'ECONNREFUSED');
    let chain5: Error = shallower;
    for (let level = 4; level >= 1; level--) chain5 = new Error(`level ${level}`, { cause: chain5 });
    expect(mapped(connection(chain5)).message).toBe(
      `Could not connect to ${local} (level 1: level 2: level 3 [ECONNREFUSED]). Is the server running? Check baseURL.`,
    );
  });

  it('a cause chain that loops back on itself ends', () => {
    const looping = new Error('loop');
    Object.assign(looping, { cause: looping });
    const aggregate = new AggregateError([], 'aggregate');
    Object.assign(aggregate, { errors: [aggregate] });
    for (const cause of [looping, aggregate]) {
      const error = mapped(connection(cause));
      expect(error.message).toBe(
        `The connection to ${local} failed before a response arrived (${cause.message}). The call can be retried.`,
      );
    }
  });

  it('a body that does not parse → retryable APICallError (status 200) with the cause', () => {
    const cause = new SyntaxError('Unexpected token < in JSON at position 0');
    const error = mapped(cause);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ statusCode: 200, isRetryable: true });
    expect(error.message).toBe(
      `The server at ${local} answered with a body that is not valid JSON (its content type says JSON): that is not an OpenAI Chat Completions response. ` +
        'The response may have been cut or garbled on the way, so the call is retried; if it keeps happening, check that baseURL points at an OpenAI-compatible API (it usually ends in /v1).',
    );
  });

  it("the SDK's own other errors → APICallError with their message, not retried", () => {
    const cause = new SDKBaseError(
      'Cannot iterate over a consumed stream, use `.tee()` to split the stream.',
    );
    const error = mapped(cause);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(APIConnectionError.isInstance(error)).toBe(false);
    expect(error.message).toBe(cause.message);
    expect(error).toMatchObject({
      provider: 'vllm',
      url: `${local}/chat/completions`,
      cause,
      isRetryable: false,
    });
  });

  it('any other Error (reading the body failed) → APIConnectionError "failed mid-response"', () => {
    const cause = new TypeError('terminated', { cause: withCode('other side closed', 'UND_ERR_SOCKET') });
    const error = mapped(cause);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `The connection to ${local} failed mid-response (terminated: other side closed [UND_ERR_SOCKET]). The call can be retried.`,
    );
    expect(error).toMatchObject({ cause, isRetryable: true });
  });
});

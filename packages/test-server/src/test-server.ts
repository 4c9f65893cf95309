import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { InvalidArgumentError } from '@rlm/core';
import { type ConcurrencyLimit, type ConcurrencyStats, createConcurrencyGate } from './concurrency-limit';
import { createFaultPicker, type FaultMix } from './fault-mix';
import { createLatencyPicker, type LatencyOption } from './latency';
import type { RecordedRequest } from './recorded-request';
import { ReplyScript, type Responder } from './reply-script';
import { handleRequest } from './request-handler';
import type { ScriptedReply } from './scripted-reply';

/** How {@link startTestServer} answers. Give `respond`, `replies`, both (queued replies go first), or neither and script later. */
export interface TestServerOptions {
  /** Answers each request; may be async. Called when no queued reply is left. */
  respond?: Responder;
  /** Replies consumed in order; when none is left and there is no `respond`, a clear 500 with a JSON error body. */
  replies?: ScriptedReply[];
  /** Delay before the first byte of every answer: milliseconds, or `[min, max]` drawn per request. Default 0. */
  latencyMs?: LatencyOption;
  /** Port on 127.0.0.1; default 0 (a free one). */
  port?: number;
  /** (Addition) Called with each recorded request before it is answered, e.g. to log it. */
  onRequest?: (request: RecordedRequest) => void;
  /**
   * (Addition) Faults drawn at random, per request, from a seeded generator, answered instead of the
   * script (which they do not consume): `{ rate429: 0.3, retryAfterMs: 200, rate503: 0.05,
   * dropMidStream: 0.02, malformedJson: 0.01, seed: 7 }`. Each drawn fault is recorded on the request
   * as `injectedFault`. Default: none.
   */
  faults?: FaultMix;
  /**
   * (Addition) A provider's concurrency limit: a completion request arriving while `max` are being
   * answered gets a 429 at once with `Retry-After` (`retryAfterMs`, default 1,000), recorded as
   * `injectedFault: 'concurrency-limit'`. Default: no limit.
   */
  concurrencyLimit?: ConcurrencyLimit;
}

/** A running server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `${url}/v1`: the OpenAI SDK's `baseURL`. */
  readonly openaiBaseURL: string;
  /** `url`: the Anthropic SDK's `baseURL`. */
  readonly anthropicBaseURL: string;
  /** (Addition) The port it listens on. */
  readonly port: number;
  /** Every request to the two completion endpoints and to embeddings, in arrival order. */
  readonly requests: RecordedRequest[];
  /** (Addition) Completion requests in flight now, the most at once so far, and how many `concurrencyLimit` rejected. */
  concurrency(): ConcurrencyStats;
  /** Replaces the respond function (queued replies still go first). */
  setResponder(respond: Responder): void;
  /** Queues replies, answered before the respond function in the order given. */
  enqueue(...replies: ScriptedReply[]): void;
  /** Stops listening and closes open connections, answers in progress included. */
  close(): Promise<void>;
}

/**
 * Starts a real HTTP server on 127.0.0.1 that speaks OpenAI Chat Completions
 * (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`), JSON and SSE, with
 * scripted replies and faults, and records every request.
 *
 * ```ts
 * const server = await startTestServer({ replies: [{ text: 'hello', usage: { inputTokens: 10, outputTokens: 1 } }] });
 * const openai = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test', maxRetries: 0 });
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError({
      argument: 'port',
      message: `port must be an integer from 0 to 65535 (0 picks a free one), got ${String(port)}.`,
    });
  }
  const pickLatencyMs = createLatencyPicker(options.latencyMs);
  const pickFault = createFaultPicker(options.faults);
  const concurrency = createConcurrencyGate(options.concurrencyLimit);
  const script = new ReplyScript(options.respond, options.replies);
  const requests: RecordedRequest[] = [];
  const inProgress = new Set<AbortController>();
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    handleRequest(
      {
        script,
        requests,
        pickLatencyMs,
        pickFault,
        inProgress,
        concurrency,
        ...(options.onRequest ? { onRequest: options.onRequest } : {}),
      },
      request,
      response,
    ).catch((error: unknown) => {
      // A bug here must not take the test process down; the client sees a 500 or a dead connection.
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(
          `rlm test server: internal error: ${error instanceof Error ? error.stack : String(error)}`,
        );
      } else {
        response.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        reject(
          new InvalidArgumentError({
            argument: 'port',
            message: `port ${port} on 127.0.0.1 cannot be used (${error.code}): pass another port, or 0 for a free one.`,
            cause: error,
          }),
        );
      } else {
        reject(error);
      }
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://127.0.0.1:${boundPort}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    port: boundPort,
    requests,
    concurrency: () => concurrency.stats(),
    setResponder: (respond) => script.setResponder(respond),
    enqueue: (...replies) => script.enqueueAll(replies),
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        for (const answer of inProgress) answer.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

import type { ServerResponse } from 'node:http';

/** Resolves after `ms` milliseconds, or early (to `false`) when `signal` aborts; `true` when the time ran out. */
export function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends a complete JSON answer. */
export function sendJson(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): void {
  const bytes = Buffer.from(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(bytes.length),
  });
  response.end(bytes);
}

/** The headers of an SSE answer. */
export const sseHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

/**
 * Streams `events` as a 200 SSE answer, pausing `chunkDelayMs` between them; stops quietly when
 * `signal` aborts (the client went away or the server is closing).
 */
export async function sendEvents(
  response: ServerResponse,
  headers: Readonly<Record<string, string>>,
  events: readonly string[],
  chunkDelayMs: number,
  signal: AbortSignal,
): Promise<void> {
  response.writeHead(200, { ...headers, ...sseHeaders });
  if (chunkDelayMs <= 0) {
    // One write: a thousand small writes cost far more and a client cannot tell the difference.
    response.end(events.join(''));
    return;
  }
  for (const [index, event] of events.entries()) {
    if (index > 0 && !(await delay(chunkDelayMs, signal))) return;
    if (signal.aborted) return;
    response.write(event);
  }
  response.end();
}

/**
 * Sends the status line, `headers` and the first bytes of `body`, then destroys the socket once they
 * are on the wire, so the client sees a connection that died mid-answer.
 */
export function sendThenDrop(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
): void {
  const socket = response.socket;
  response.writeHead(status, headers);
  if (body.length > 0) {
    response.write(body, () => socket?.destroy());
    return;
  }
  response.flushHeaders();
  // An empty socket write completes only after the headers before it were handed to the kernel.
  if (socket) socket.write('', () => socket.destroy());
}

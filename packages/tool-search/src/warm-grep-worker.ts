import { Worker } from 'node:worker_threads';
import type { ContextValue } from '@rlm/core';
import {
  type GrepWorkerMatch,
  type GrepWorkerRequest,
  type GrepWorkerResponse,
  grepWorkerMain,
} from './grep-worker-main';

/** A grep request without its id (the worker assigns none; the host does). */
export type GrepJob = Omit<Extract<GrepWorkerRequest, { kind: 'grep' }>, 'kind' | 'id'>;

// Bundlers that keep function names wrap inner functions in `__name(…)`; the worker has no such helper.
const WORKER_SOURCE = `const __name = (target) => target;\n(${grepWorkerMain.toString()})(require('node:worker_threads').parentPort);`;

/** Characters per message when the context is sent to the worker. */
const PART_CHARS = 1_000_000;

/**
 * Sends the texts in parts of 1M characters with a yield to the event loop between two: one
 * `postMessage` of 50 MB blocks the host's thread for ~250 ms (measured on a loaded 2-core machine),
 * a part for a few ms. Small documents share a message.
 */
async function sendTexts(worker: Worker, texts: readonly string[], signal: AbortSignal): Promise<void> {
  worker.postMessage({ kind: 'load-start', documents: texts.length } satisfies GrepWorkerRequest);
  let documents: number[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = async () => {
    worker.postMessage({ kind: 'load-parts', documents, parts } satisfies GrepWorkerRequest);
    documents = [];
    parts = [];
    size = 0;
    await new Promise((resolve) => setImmediate(resolve));
    signal.throwIfAborted();
  };
  for (let document = 0; document < texts.length; document++) {
    const text = texts[document]!;
    for (let start = 0; start < text.length; start += PART_CHARS) {
      const part = text.slice(start, start + PART_CHARS);
      documents.push(document);
      parts.push(part);
      size += part.length;
      if (size >= PART_CHARS) await flush();
    }
  }
  if (parts.length) await flush();
}

/** Thrown when a grep ran past its time budget; the worker was terminated. */
export class GrepTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrepTimeoutError';
  }
}

/**
 * One worker thread that keeps the last context it was given, so that repeated greps over a 50 MB
 * context do not copy it again each time. Greps run one at a time; each has a time budget, past which
 * the worker is terminated (a catastrophic pattern cannot be interrupted any other way in V8) and the
 * next grep starts a fresh one.
 */
export class WarmGrepWorker {
  private worker: Worker | undefined;
  private loaded: { context: ContextValue } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;

  run(
    context: ContextValue,
    texts: () => readonly string[],
    job: GrepJob,
    options: { timeoutMs: number; signal: AbortSignal; describeTimeout: () => string },
  ): Promise<{ matches: GrepWorkerMatch[]; totalMatches: number }> {
    const result = this.queue.then(() => this.runNow(context, texts, job, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the worker once the greps queued so far are done. */
  disposeWhenIdle(): Promise<void> {
    const done = this.queue.then(() => this.dispose());
    this.queue = done;
    return done;
  }

  /** Ends the worker (a later grep starts a new one). */
  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.loaded = undefined;
    await worker?.terminate();
  }

  private async runNow(
    context: ContextValue,
    texts: () => readonly string[],
    job: GrepJob,
    options: { timeoutMs: number; signal: AbortSignal; describeTimeout: () => string },
  ): Promise<{ matches: GrepWorkerMatch[]; totalMatches: number }> {
    options.signal.throwIfAborted();
    const worker = this.ensureWorker();
    if (this.loaded?.context !== context) {
      this.loaded = undefined;
      await sendTexts(worker, texts(), options.signal);
      this.loaded = { context };
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
      };
      const stop = (error: unknown) => {
        finish();
        if (this.worker === worker) {
          this.worker = undefined;
          this.loaded = undefined;
        }
        void worker.terminate();
        reject(error);
      };
      const onMessage = (response: GrepWorkerResponse) => {
        if (response.id !== id) return;
        finish();
        if ('error' in response) reject(new Error(response.error));
        else resolve(response);
      };
      const onAbort = () => stop(options.signal.reason);
      const onError = (error: Error) => stop(new Error(`grep: the search worker failed: ${error.message}`));
      const onExit = () => stop(new Error('grep: the search worker stopped unexpectedly. Try again.'));
      const timer = setTimeout(
        () => stop(new GrepTimeoutError(options.describeTimeout())),
        options.timeoutMs,
      );
      options.signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.ref();
      worker.postMessage({ kind: 'grep', id, ...job } satisfies GrepWorkerRequest);
    });
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      // Between greps nobody listens; a worker that dies then is simply replaced on the next grep.
      const forget = () => {
        if (this.worker === worker) {
          this.worker = undefined;
          this.loaded = undefined;
        }
      };
      worker.on('error', forget);
      worker.on('exit', forget);
      worker.unref();
      this.worker = worker;
      this.loaded = undefined;
    }
    return this.worker;
  }
}

/**
 * The worker thread a QuickJS session runs in, so that a cell that never yields (`while (true) {}`)
 * holds only this thread: the host's event loop, its timers, signals and in-flight sub-calls go on.
 * It hosts one sandbox at a time, started, driven and disposed by messages from the host
 * (`QuickJSThreadedSandbox`); a busy cell is stopped through shared memory that QuickJS's interrupt
 * handler reads.
 *
 * The worker imports this very module (by its `import.meta.url`), which starts serving when it finds
 * itself in a worker made for it. So the worker needs no file of its own, and a bundler that inlines
 * this package (the CLI does) carries it along: the worker then imports the chunk that holds it.
 */
import { isMainThread, type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { crashError, errorMessageOf } from '@rlm/core/environment';
import type { EncodedContext } from './quickjs-context-encoding';
import type { QuickJSSandbox } from './quickjs-sandbox';
import {
  HOST_MESSAGES_INDEX,
  type HostToWorkerMessage,
  STOP_CELL_INDEX,
  STOP_REASON_INDEX,
  STOP_REASONS,
  type WorkerSandboxLimits,
  type WorkerToHostMessage,
} from './quickjs-worker-protocol';

/** The URL the worker imports: the file, or the bundle chunk, this code is in. */
export const QUICKJS_WORKER_MODULE_URL: string = import.meta.url;

const WORKER_MARKER = '@rlm/env-quickjs/quickjs-worker';

/**
 * How long a cell waiting on the host watches for the answer before it sleeps. On a 2-core machine
 * at load ~1 this took an awaited no-op host call from 0.22 to 0.15 ms (5 alternating pairs); a
 * slow host function (a model call) costs 60 µs of this thread's time per call.
 */
const ANSWER_SPIN_MS = 0.06;

/**
 * The `workerData` of a QuickJS worker: the marker it starts serving on, the memory it shares with
 * the host, and its end of the channel (to be transferred).
 */
export function quickJSWorkerData(shared: SharedArrayBuffer, port: MessagePort): Record<string, unknown> {
  return { [WORKER_MARKER]: true, shared, port };
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_MARKER] === true) {
  const data = workerData as { shared: SharedArrayBuffer; port: MessagePort };
  // QuickJS is loaded here, in the worker, and only here: the host's thread imports this module for
  // its URL and `quickJSWorkerData`, and starts faster without loading QuickJS too (8–11 ms of a CLI
  // run's start-up). The host's messages wait in the port until `serve` listens.
  void Promise.all([import('./quickjs-wasm'), import('./quickjs-sandbox')]).then(
    ([{ compileQuickJSWasm }, { QuickJSSandbox }]) => {
      // Compiled while the thread waits for its first session (a spare, or one booted ahead by
      // `prepare`), so that the session's start only instantiates it.
      void compileQuickJSWasm();
      serve(data.port, new Int32Array(data.shared), QuickJSSandbox);
    },
  );
}

/** Answers the host's messages for the life of the thread, with sandboxes of the class given. */
function serve(port: MessagePort, shared: Int32Array, Sandbox: typeof QuickJSSandbox): void {
  let sandbox: QuickJSSandbox | undefined;
  /** A sandbox prepared ahead by a `warm` message, for the next start with the same limits. */
  let warm: { readonly limits: string; readonly sandbox: Promise<QuickJSSandbox> } | undefined;
  let runningCellId = 0;
  /** Hands the context, which follows a start, to the sandbox being started. */
  let deliverContext: ((context: EncodedContext) => void) | undefined;

  function post(message: WorkerToHostMessage) {
    port.postMessage(message);
  }

  const link = {
    startHostCall(callId: number, name: string, argsJson: string) {
      post({ type: 'hostCall', callId, name, argsJson });
    },
    stopRequested() {
      if (runningCellId === 0 || Atomics.load(shared, STOP_CELL_INDEX) !== runningCellId) return undefined;
      return STOP_REASONS[Atomics.load(shared, STOP_REASON_INDEX)] ?? 'aborted';
    },
    /**
     * Sleeps until the host sends something (a host call's result, a stop) or `timeoutMs` pass, then
     * handles what it sent. The cell's thread has nothing else to do meanwhile, and a message read
     * here costs no turn of the event loop.
     */
    waitForHost(timeoutMs: number) {
      const seen = Atomics.load(shared, HOST_MESSAGES_INDEX);
      let received = receiveMessageOnPort(port);
      if (received === undefined) {
        // A quick host function answers within this; a thread that slept runs its next work slower.
        const spinUntil = performance.now() + ANSWER_SPIN_MS;
        while (Atomics.load(shared, HOST_MESSAGES_INDEX) === seen && performance.now() < spinUntil) {
          // Spinning: the answer comes from the host's thread.
        }
        received = receiveMessageOnPort(port);
      }
      if (received === undefined) {
        Atomics.wait(shared, HOST_MESSAGES_INDEX, seen, timeoutMs);
        received = receiveMessageOnPort(port);
      }
      while (received !== undefined) {
        handle(received.message as HostToWorkerMessage);
        received = receiveMessageOnPort(port);
      }
    },
  };

  port.on('message', (message: HostToWorkerMessage) => handle(message));

  /** Takes the warm sandbox when it has `limits`; discards it otherwise. */
  function takeWarm(limits: string): Promise<QuickJSSandbox> | undefined {
    const taken = warm;
    warm = undefined;
    if (taken === undefined) return undefined;
    if (taken.limits === limits) return taken.sandbox;
    void taken.sandbox.then(
      (unused) => unused.dispose(),
      () => undefined,
    );
    return undefined;
  }

  function handle(message: HostToWorkerMessage): void {
    switch (message.type) {
      case 'warm': {
        const limits = limitsKey(message.limits);
        if (warm?.limits === limits || sandbox !== undefined) return;
        takeWarm(limits);
        const prepared = Sandbox.prepare(message.limits, link);
        // A failure here is the start's to report: it prepares a sandbox of its own.
        prepared.catch(() => undefined);
        warm = { limits, sandbox: prepared };
        return;
      }
      case 'start': {
        sandbox?.dispose();
        sandbox = undefined;
        const encodedContext = new Promise<EncodedContext>((resolve) => {
          deliverContext = resolve;
        });
        const start = { encodedContext, hostFunctionNames: message.hostFunctionNames };
        const prepared = takeWarm(limitsKey(message.limits));
        (prepared === undefined
          ? Sandbox.create(message.limits, start, link)
          : prepared.then(
              (ready) => ready.start(start),
              // A warm sandbox that failed to prepare: try once more, as a start without one would.
              () => Sandbox.create(message.limits, start, link),
            )
        )
          .then(
            (started) => {
              sandbox = started;
              post({ type: 'started' });
            },
            (error: unknown) => post({ type: 'startFailed', message: errorMessageOf(error) }),
          )
          .then(() => encodedContext)
          .then(({ text }) => {
            // QuickJS holds its own copy (or failed): the bytes' buffer goes back for the host's next context.
            if (typeof text !== 'string') {
              port.postMessage(
                { type: 'contextBuffer', buffer: text.buffer as ArrayBuffer } satisfies WorkerToHostMessage,
                [text.buffer as ArrayBuffer],
              );
            }
          });
        return;
      }
      case 'context':
        deliverContext?.(message.encodedContext);
        deliverContext = undefined;
        return;
      case 'run': {
        const current = sandbox;
        if (current === undefined) {
          const broken = 'The QuickJS worker has no sandbox to run the cell in.';
          post({
            type: 'done',
            cellId: message.cellId,
            outcome: { stdout: '', stderr: '', droppedOutputChars: 0, error: crashError(broken), broken },
          });
          return;
        }
        runningCellId = message.cellId;
        current
          .runCell(message.cell, {
            fileName: message.fileName,
            timeoutMs: message.timeoutMs,
            maxOutputChars: message.maxOutputChars,
          })
          .catch((error: unknown) => {
            const broken = `The QuickJS sandbox failed: ${errorMessageOf(error)}.`;
            return { stdout: '', stderr: '', droppedOutputChars: 0, error: crashError(broken), broken };
          })
          .then((outcome) => {
            runningCellId = 0;
            post({ type: 'done', cellId: message.cellId, outcome });
          });
        return;
      }
      case 'stop':
        sandbox?.stop(message.reason);
        return;
      case 'settle':
        sandbox?.settleHostCall(message.callId, message.outcome);
        return;
      case 'dispose':
        sandbox?.dispose();
        sandbox = undefined;
        takeWarm('');
        post({ type: 'disposed' });
        return;
    }
  }
}

/** The limits as a key: a warm sandbox serves only a start with the same ones. */
function limitsKey(limits: WorkerSandboxLimits): string {
  return `${limits.memoryLimitBytes}/${limits.maxStackSizeBytes}`;
}

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { keepSpareContextBuffer } from './quickjs-context-buffer';
import { QUICKJS_WORKER_MODULE_URL, quickJSWorkerData } from './quickjs-worker';
import {
  HOST_MESSAGES_INDEX,
  type HostToWorkerMessage,
  SHARED_SLOTS,
  type WorkerSandboxLimits,
  type WorkerToHostMessage,
} from './quickjs-worker-protocol';

/** Idle workers kept for the next session or restart; more are ended as they come back. */
const MAX_IDLE_WORKERS = 2;

/**
 * Loads the worker's module. From source (tests, `tsx`), the worker registers tsx's loader first,
 * which the main thread's loader hooks do not reach on Node 20.
 */
const BOOTSTRAP = `const { workerData } = require('node:worker_threads');
(workerData.loader ? import(workerData.loader).then((api) => api.register()) : Promise.resolve())
  .then(() => import(workerData.entry));`;

interface WorkerEntry {
  readonly entry: string;
  readonly loader?: string;
}

let resolvedEntry: WorkerEntry | null | undefined;

/**
 * What the worker imports, or `null` when it must not: when a bundler put this package into the
 * program's entry script, importing that in a worker would run the whole program again there (the
 * sessions then run in this thread).
 */
export function quickJSWorkerEntry(): WorkerEntry | null {
  if (resolvedEntry !== undefined) return resolvedEntry;
  const entry = QUICKJS_WORKER_MODULE_URL;
  const script = process.argv[1];
  if (script !== undefined && pathToFileURL(script).href === entry) {
    resolvedEntry = null;
  } else if (entry.endsWith('.ts')) {
    const loader = createRequire(entry)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs');
    resolvedEntry = { entry, loader: pathToFileURL(loader).href };
  } else {
    resolvedEntry = { entry };
  }
  return resolvedEntry;
}

/**
 * One worker thread able to host a QuickJS sandbox, with the shared memory its cells are stopped
 * through. Messages go both ways over a channel of their own, whose worker end the worker reads
 * synchronously (`receiveMessageOnPort`) while a cell waits on the host.
 */
let workersBooted = 0;

export class QuickJSWorker {
  /** Which worker of the process this is (1, 2, …), for diagnostics and tests. */
  readonly id = ++workersBooted;
  readonly shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private listener: ((message: WorkerToHostMessage) => void) | undefined;
  private exitListener: ((reason: string) => void) | undefined;
  /** Why the thread ended, once it did. */
  ended: string | undefined;

  constructor(entry: WorkerEntry) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { ...entry, ...quickJSWorkerData(this.shared.buffer as SharedArrayBuffer, channel.port2) },
      transferList: [channel.port2],
      // Model code has no use for the host's stdin, and its output never goes through console.
      stdin: false,
    });
    this.port.on('message', (message: WorkerToHostMessage) => {
      // Whoever uses the worker now (its sandbox may be gone already), the buffer serves the next context.
      if (message.type === 'contextBuffer') keepSpareContextBuffer(message.buffer);
      else this.listener?.(message);
    });
    this.worker.on('error', (error: Error) => this.end(`the QuickJS worker failed: ${error.message}`));
    this.worker.on('exit', (code) => {
      this.port.close();
      this.end(`the QuickJS worker ended (exit code ${code})`);
    });
    // After the listeners: adding a 'message' listener refs a port again.
    this.worker.unref();
    this.port.unref();
  }

  private end(reason: string) {
    this.ended ??= reason;
    this.exitListener?.(this.ended);
  }

  /** Hands the worker to one sandbox: its messages, and word of its end, go to these listeners. */
  attach(onMessage: (message: WorkerToHostMessage) => void, onEnd: (reason: string) => void) {
    this.listener = onMessage;
    this.exitListener = onEnd;
  }

  detach() {
    this.listener = undefined;
    this.exitListener = undefined;
  }

  send(message: HostToWorkerMessage, transfer?: readonly ArrayBuffer[]) {
    this.port.postMessage(message, transfer);
    // After the message is queued, so a worker woken by this finds it.
    Atomics.add(this.shared, HOST_MESSAGES_INDEX, 1);
    Atomics.notify(this.shared, HOST_MESSAGES_INDEX);
  }

  /** Whether the worker keeps the host process alive: only while it works for a cell or a start. */
  hold(busy: boolean) {
    if (busy) this.port.ref();
    else this.port.unref();
  }

  terminate() {
    this.ended ??= 'the QuickJS worker was ended';
    this.detach();
    void this.worker.terminate();
  }
}

/**
 * The process's QuickJS workers: starting one takes tens of milliseconds (and QuickJS's
 * WebAssembly is compiled once per thread), so a worker whose session ended cleanly hosts the next
 * one, and a spare is started ahead once a session had to wait for a worker of its own (see
 * `startSandbox`). Idle workers never keep the host process alive.
 */
class QuickJSWorkerPool {
  private readonly idle: QuickJSWorker[] = [];

  /**
   * A worker for a new sandbox — an idle one, or one booted now (`bootedNow`) — or `undefined` when
   * workers cannot be used (see {@link quickJSWorkerEntry}).
   */
  acquire(): { readonly worker: QuickJSWorker; readonly bootedNow: boolean } | undefined {
    const entry = quickJSWorkerEntry();
    if (entry === null) return undefined;
    let worker = this.idle.pop();
    while (worker?.ended !== undefined) worker = this.idle.pop();
    return worker ? { worker, bootedNow: false } : { worker: new QuickJSWorker(entry), bootedNow: true };
  }

  /**
   * Boots an idle worker unless one is idle already (and, given `limits`, has it prepare a sandbox
   * with them ahead): the spare, booted once a session has started so
   * that the next one (a child RLM, a restart) does not wait for a thread; or the first session's,
   * booted ahead by `ReplEnvironment.prepare`. Not when a worker is taken: booting two threads at
   * once delays the first session on a machine with few cores (on 2 cores the spare's ~170 ms of
   * module loading ran beside the first worker's and the first model call's work).
   */
  prepareWorker(limits?: WorkerSandboxLimits) {
    const entry = quickJSWorkerEntry();
    if (entry === null) return;
    let worker = this.idle.find((candidate) => candidate.ended === undefined);
    if (worker === undefined) {
      worker = new QuickJSWorker(entry);
      this.idle.push(worker);
    }
    // The sandbox too, with the limits the next session will ask for: its start then only hands
    // over the context (a worker already warm with these limits ignores this).
    if (limits !== undefined) worker.send({ type: 'warm', limits });
  }

  /** The ids of the workers waiting for a session (booted or booting). */
  idleWorkerIds(): number[] {
    return this.idle.filter((worker) => worker.ended === undefined).map((worker) => worker.id);
  }

  /** Takes back a worker whose sandbox was disposed cleanly. */
  release(worker: QuickJSWorker) {
    worker.detach();
    worker.hold(false);
    if (worker.ended !== undefined) return;
    if (this.idle.length >= MAX_IDLE_WORKERS) worker.terminate();
    else this.idle.push(worker);
  }

  /** Ends every idle worker; workers hosting a session end with it. */
  dispose() {
    for (const worker of this.idle.splice(0)) worker.terminate();
  }
}

/** One pool per process: workers hold no settings of their own (each start brings its limits). */
export const quickJSWorkers = new QuickJSWorkerPool();

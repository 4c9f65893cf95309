import type {
  HostCallOutcome,
  RewrittenJavaScriptCell,
  SandboxCellOutcome,
  StopReason,
} from '@rlm/core/environment';
import type { EncodedContext } from './quickjs-context-encoding';

/** The limits a worker starts a sandbox with (the QuickJS build is always the release one there). */
export interface WorkerSandboxLimits {
  readonly memoryLimitBytes: number;
  readonly maxStackSizeBytes: number;
}

/**
 * The memory host and worker share, as `Int32Array` slots. A busy cell is stopped through
 * `[cellId, reason]`, written by the host and read by QuickJS's interrupt handler, which runs inside
 * the cell's own loop where no message can arrive.
 */
export const STOP_CELL_INDEX = 0;
export const STOP_REASON_INDEX = 1;
export const STOP_REASONS: readonly StopReason[] = ['timeout', 'aborted'];
/**
 * Counts the host's messages: the host adds one and notifies after each one it posts, so a worker
 * whose cell waits on the host sleeps in `Atomics.wait` and reads the message at once with
 * `receiveMessageOnPort`, without a turn of its event loop.
 */
export const HOST_MESSAGES_INDEX = 2;
export const SHARED_SLOTS = 4;

/** From the host to the worker. */
export type HostToWorkerMessage =
  | {
      /**
       * Prepares a sandbox with these limits ahead (instance, runtime, prelude compiled), for the
       * next start with the same limits to take; a start with other limits discards it.
       */
      readonly type: 'warm';
      readonly limits: WorkerSandboxLimits;
    }
  | {
      /** Starts a sandbox, which waits for its context (the next message) before the prelude starts. */
      readonly type: 'start';
      readonly limits: WorkerSandboxLimits;
      readonly hostFunctionNames: readonly string[];
    }
  | {
      readonly type: 'context';
      /** Encoded by `encodeContextForWorker`: UTF-8 bytes, if any, come transferred, not cloned. */
      readonly encodedContext: EncodedContext;
    }
  | {
      readonly type: 'run';
      readonly cellId: number;
      readonly cell: RewrittenJavaScriptCell;
      readonly fileName: string;
      readonly timeoutMs: number;
      readonly maxOutputChars: number;
    }
  | { readonly type: 'stop'; readonly reason: StopReason }
  | { readonly type: 'settle'; readonly callId: number; readonly outcome: HostCallOutcome }
  | { readonly type: 'dispose' };

/** From the worker to the host. */
export type WorkerToHostMessage =
  | { readonly type: 'started' }
  | { readonly type: 'startFailed'; readonly message: string }
  /** The buffer a context came in, handed back (transferred) once QuickJS holds its copy, for the next one. */
  | { readonly type: 'contextBuffer'; readonly buffer: ArrayBuffer }
  | { readonly type: 'hostCall'; readonly callId: number; readonly name: string; readonly argsJson: string }
  | { readonly type: 'done'; readonly cellId: number; readonly outcome: SandboxCellOutcome }
  | { readonly type: 'disposed' };

import type { RLMEvent, RLMEventBase } from '../events/rlm-event';
import type { RunTree } from './run-tree';

/** An event as a run reports it: the emitter adds the run's id, its depth and the time. */
export type RunEventBody = RLMEvent extends infer Event
  ? Event extends RLMEvent
    ? Omit<Event, keyof RLMEventBase>
    : never
  : never;

/** Reports an event of one run into the tree's listeners. */
export type RunEmitter = (event: RunEventBody) => void;

/**
 * The emitter of one run (root or child). Every event of a run carries the same `runId` and
 * `depth`, and its `timestamp` is the moment it is reported, so no call site writes them by hand.
 */
export function createRunEmitter(tree: RunTree, runId: string, depth: number): RunEmitter {
  const emit: RunEmitter = (event) => {
    // Laid out as events always were: type, runId, depth, timestamp, then the event's own fields.
    tree.emit(Object.assign({ type: event.type, runId, depth, timestamp: Date.now() }, event) as RLMEvent);
  };
  // Tree-wide reports (each model's concurrency window) are events of the root run.
  if (depth === 0) tree.rootEmit ??= emit;
  return emit;
}

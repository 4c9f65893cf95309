import { EVENT_PREVIEW_CHARS, type SubCallOutcome } from '../events/rlm-event';
import { keepText } from '../trajectory/keep-text';
import type { TrajectorySubCall } from '../trajectory/trajectory';
import { describeError } from './describe-error';
import type { HostFunctionRun } from './host-functions';
import { isTreeFatal, type RunTree } from './run-tree';

/** What a sub-call is: its kind, model and prompt, and the signal of the host call that made it. */
export interface SubCallDescription {
  readonly kind: 'llm' | 'rlm';
  readonly model: string;
  readonly prompt: string;
  /** Aborted when the cell that made the call ended without awaiting it (or the session went). */
  readonly signal: AbortSignal;
}

/** The work of a sub-call: its answer. It may add what it learns (usage, a child's trajectory) to the record. */
export type SubCallWork = (record: TrajectorySubCall, callId: string) => Promise<string>;

/**
 * Records one sub-call around `work`: the trajectory entry, start/end events, the tree-wide
 * sub-call count, and the rule that a tree-wide limit or abort stops everything. The run counts it
 * as pending until its record is closed. The entry keeps only the head and tail of a prompt or
 * answer longer than `maxTrajectoryTextChars`, never the string itself, so a refused 10 MB prompt is
 * free once the call returns.
 */
export function recordSubCall(
  tree: RunTree,
  run: HostFunctionRun,
  call: SubCallDescription,
  work: SubCallWork,
): Promise<string> {
  const settled = runRecorded(tree, run, call, work);
  const pending = settled.catch(() => undefined);
  run.pendingSubCalls.add(pending);
  pending.then(() => run.pendingSubCalls.delete(pending));
  return settled;
}

async function runRecorded(
  tree: RunTree,
  run: HostFunctionRun,
  call: SubCallDescription,
  work: SubCallWork,
): Promise<string> {
  const { maxTrajectoryTextChars } = tree.settings;
  const keptPrompt = keepText(call.prompt, maxTrajectoryTextChars, run.sha256);
  const record: TrajectorySubCall = {
    kind: call.kind,
    model: call.model,
    prompt: keptPrompt.text,
    ...(keptPrompt.cut ? { promptCut: keptPrompt.cut } : {}),
    startedAt: new Date().toISOString(),
  };
  run.currentSubCalls()?.push(record);
  run.failures.started();
  const callId = tree.nextId('sub');
  const started = performance.now();
  const base = { callId, kind: record.kind, model: record.model };
  run.emit({
    type: 'sub-call-start',
    ...base,
    promptCharacters: call.prompt.length,
    promptPreview: call.prompt.slice(0, EVENT_PREVIEW_CHARS),
  });
  let keptResponse: ReturnType<typeof keepText> | undefined;
  let outcome: SubCallOutcome = 'answered';
  let responsePreview: string | undefined;
  try {
    tree.budget.reserveSubCall();
    const response = await work(record, callId);
    keptResponse = keepText(response, maxTrajectoryTextChars, run.sha256);
    record.response = keptResponse.text;
    if (keptResponse.cut) record.responseCut = keptResponse.cut;
    responsePreview = response.slice(0, EVENT_PREVIEW_CHARS);
    return response;
  } catch (error) {
    record.error = describeError(tree.fatalError ?? error);
    // Dropped because the cell that made it ended (timed out, failed, or moved on without awaiting
    // it): no live code was waiting for the answer, so no answer rests on it. It stays in the
    // trajectory with its error, but is not a failed sub-call.
    const abandoned = call.signal.aborted && !tree.signal.aborted && !tree.fatalError;
    const cancelled = !abandoned && (tree.signal.aborted || isTreeFatal(error));
    outcome = abandoned ? 'abandoned' : cancelled ? 'cancelled' : 'failed';
    if (!abandoned) run.failures.failedWith(record.error);
    if (isTreeFatal(error)) tree.fail(error as Error);
    throw tree.fatalError ?? error;
  } finally {
    await keptPrompt.hashed;
    await keptResponse?.hashed;
    record.durationMs = performance.now() - started;
    run.emit({
      type: 'sub-call-end',
      ...base,
      durationMs: record.durationMs,
      ...(record.error ? { error: record.error } : {}),
      outcome,
      ...(record.servedFrom ? { servedFrom: record.servedFrom } : {}),
      ...(responsePreview === undefined ? {} : { responsePreview }),
    });
  }
}

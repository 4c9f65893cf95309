import { RLMError } from '../errors/rlm-error';
import type { AnswerSource, Trajectory } from '../trajectory/trajectory';
import { describeError } from './describe-error';
import { answerFromReply } from './partial-answer';
import type { RunState } from './run-state';
import type { RunTree } from './run-tree';

/** The outcome of one run (root or child). */
export interface RunOutcome {
  readonly answer: string;
  /** With an answer schema: the answer as the schema validated it. */
  readonly typed?: { readonly value: unknown };
  readonly answerSource: AnswerSource;
  readonly trajectory: Trajectory;
  readonly turns: number;
}

/** Ends a run with its answer: closes the trajectory and reports `run-end`. */
export function finishRun(
  run: RunState,
  answer: string,
  answerSource: AnswerSource,
  turns: number,
  typed?: { readonly value: unknown },
): RunOutcome {
  const { trajectory } = run;
  trajectory.answer = answer;
  trajectory.answerSource = answerSource;
  closeTrajectory(run);
  run.emit({
    type: 'run-end',
    answer,
    answerSource,
    usage: trajectory.usage!,
    failedSubCalls: trajectory.failedSubCalls!,
    durationMs: trajectory.durationMs!,
  });
  return { answer, answerSource, trajectory, turns, ...(typed ? { typed } : {}) };
}

/**
 * Ends a run with an error: stops its sub-calls and children still in flight and waits until their
 * records are closed, closes the trajectory with the error and the partial answer, reports
 * `run-error`, and returns the error to throw (the tree's fatal error if there is one), carrying
 * the partial answer and the trajectory.
 */
export async function failRun(tree: RunTree, run: RunState, thrown: unknown): Promise<unknown> {
  run.stop(thrown);
  await run.settleSubCalls();
  const error = tree.fatalError ?? thrown;
  const { trajectory } = run;
  closeTrajectory(run);
  trajectory.error = describeError(error);
  // Only something that answers: a FINAL value the code recorded, or a last reply in plain prose
  // that is not a plan (see answerFromReply). Otherwise there is no partial answer.
  const partialAnswer =
    run.recordedFinal?.value ?? answerFromReply(run.lastReply, tree.settings.environment.language);
  if (partialAnswer !== undefined) trajectory.answer = partialAnswer;
  run.emit({
    type: 'run-error',
    error: trajectory.error,
    usage: trajectory.usage!,
    failedSubCalls: trajectory.failedSubCalls!,
    durationMs: trajectory.durationMs!,
  });
  return attachPartial(error, partialAnswer, trajectory);
}

function closeTrajectory(run: RunState): void {
  run.trajectory.usage = run.usage.snapshot();
  run.trajectory.failedSubCalls = run.failures.snapshot();
  run.trajectory.durationMs = performance.now() - run.startedAt;
}

/**
 * The error that ends a run gets this run's partial answer and trajectory, whatever its class: an
 * `RLMError` declares `trajectory` and `partialAnswer`, and any other error object (a custom
 * provider's, a TypeError) gets the same two properties. The root's catch runs last, so callers see
 * the root trajectory (children's are nested in its sub-calls).
 */
function attachPartial(error: unknown, partialAnswer: string | undefined, trajectory: Trajectory): unknown {
  if (RLMError.isInstance(error) || (error instanceof Error && Object.isExtensible(error))) {
    const carrier = error as { trajectory?: Trajectory; partialAnswer?: string };
    // Concurrent children may finish after their parent: never replace a shallower run's trajectory.
    if (carrier.trajectory && carrier.trajectory.depth < trajectory.depth) return error;
    carrier.trajectory = trajectory;
    if (partialAnswer !== undefined) carrier.partialAnswer = partialAnswer;
  }
  return error;
}

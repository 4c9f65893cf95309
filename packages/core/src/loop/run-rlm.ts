import type { HostFunction } from '../environment/repl-environment';
import { LimitExceededError } from '../errors/limit-exceeded-error';
import { failRun, finishRun, type RunOutcome } from './end-run';
import { FirstCallGuard } from './first-call-guard';
import { createHostFunctions } from './host-functions';
import { askForBestAnswer } from './max-turns-fallback';
import { RunSession } from './run-session';
import { type RunRequest, type RunState, startRun } from './run-state';
import type { RunTree } from './run-tree';
import { runTurn } from './run-turn';

export type { RunOutcome } from './end-run';

/**
 * One RLM run: the root, or a child started by `rlm_query`. Starts the run (prompt, trajectory,
 * `run-start`), then runs turns — call the root model, run its code blocks in one persistent
 * session, show it the capped outputs — until the code calls FINAL / FINAL_VAR or the turns run out,
 * and ends with the answer or with an error that carries the partial answer and the trajectory.
 */
export async function runRLM(tree: RunTree, request: RunRequest): Promise<RunOutcome> {
  const { limits } = tree.settings;
  const run = await startRun(tree, request);
  const isRoot = run.depth === 0;
  if (isRoot) tree.write((writer) => writer.start(run.trajectory));
  let session: RunSession | undefined;
  try {
    const runOptions = {
      context: run.context,
      hostFunctions: hostFunctionsOf(tree, run),
      signal: run.signal,
    };
    // A session's question runs in the session's REPL, which outlives it.
    session = request.session?.runSession(tree, runOptions) ?? new RunSession(tree, runOptions);
    // The root's sandbox starts while its first model call is in flight; a child's, at its first cell.
    const firstCall = await FirstCallGuard.start(session, run.signal, run.depth === 0);

    let failedTurnsInARow = 0;
    for (let turn = 1; turn <= limits.maxTurns; turn++) {
      tree.throwIfStopped();
      await request.session?.beforeTurn(tree, run, turn);
      const outcome = await runTurn(tree, run, { turn, session, firstCall });
      if (isRoot && !outcome.final)
        tree.write((writer) => writer.iteration(run.trajectory.iterations.at(-1)!));
      if (outcome.final) {
        await run.settleSubCalls();
        return finishRun(run, outcome.final.value, outcome.final.source, turn, outcome.final.typed);
      }
      failedTurnsInARow = outcome.allCellsFailed ? failedTurnsInARow + 1 : 0;
      if (failedTurnsInARow >= limits.maxConsecutiveErrors) {
        throw new LimitExceededError({
          limit: 'maxConsecutiveErrors',
          limitValue: limits.maxConsecutiveErrors,
          message: `The code failed in ${failedTurnsInARow} turns in a row (limits.maxConsecutiveErrors). Last error: ${outcome.lastError ?? 'unknown'}`,
        });
      }
    }

    // The turns ran out without FINAL: one more call asks for the best answer the history holds.
    const answer = await askForBestAnswer(tree, run, session);
    // With an answer schema, this last answer must match: there is no turn left to fix it.
    const verdict = await run.typedAnswer?.judge(
      run.recordedFinal?.value === answer ? run.recordedFinal : { value: answer },
      run.tag,
      true,
    );
    await run.settleSubCalls();
    return finishRun(
      run,
      answer,
      'max-turns-fallback',
      limits.maxTurns,
      verdict?.accepted ? { value: verdict.value } : undefined,
    );
  } catch (thrown) {
    // Sub-calls still in flight are stopped, and their records closed, before the run reports its end.
    throw await failRun(tree, run, thrown);
  } finally {
    await session?.dispose();
  }
}

/** `llm_query`, `rlm_query`, their batched forms and the tools, serving this run. */
function hostFunctionsOf(tree: RunTree, run: RunState): Record<string, HostFunction> {
  return createHostFunctions(tree, {
    runId: run.runId,
    depth: run.depth,
    usage: run.usage,
    emit: run.emit,
    tag: run.tag,
    context: run.context,
    sha256: run.sha256,
    failures: run.failures,
    pendingSubCalls: run.pendingSubCalls,
    currentSubCalls: () => run.currentBlock?.subCalls,
    runChild: (question, context, signal, answerSchema, parentCallId) =>
      runChild(tree, run, {
        question,
        context,
        signal,
        ...(answerSchema ? { answerSchema } : {}),
        ...(parentCallId ? { parentCallId } : {}),
      }),
  });
}

/**
 * A child RLM one level deeper, on the same tree: it shares the budget, the concurrency cap and the
 * abort signal, and adds its usage and failed sub-calls to this run's.
 */
async function runChild(
  tree: RunTree,
  parent: RunState,
  child: Pick<RunRequest, 'question' | 'context' | 'signal' | 'answerSchema' | 'parentCallId'>,
): Promise<Pick<RunOutcome, 'answer' | 'trajectory' | 'typed'>> {
  const outcome = await runRLM(tree, {
    ...child,
    depth: parent.depth + 1,
    parentRunId: parent.runId,
    parentUsage: parent.usage,
    parentFailures: parent.failures,
  });
  return {
    answer: outcome.answer,
    trajectory: outcome.trajectory,
    ...(outcome.typed ? { typed: outcome.typed } : {}),
  };
}

import type { ContextValue } from '../environment/context-value';
import type { CellResult, FinalAnswer, ReplSession } from '../environment/repl-environment';
import { LimitExceededError } from '../errors/limit-exceeded-error';
import { RLMError } from '../errors/rlm-error';
import type { ChatMessage } from '../language-model/language-model';
import { MAX_PRIORITY } from '../limits/concurrency-limiter';
import { javascriptSystemPrompt } from '../prompts/javascript-system-prompt';
import {
  createNoteTag,
  failedSubCallsNote,
  firstUserMessage,
  formatCellOutput,
  maxTurnsFallbackMessage,
  noCodeMessage,
  replyCutOffNote,
  turnFeedbackMessage,
} from '../prompts/loop-messages';
import type { SystemPromptOptions } from '../prompts/system-prompt-options';
import { extractRunnableCodeBlocks } from '../text/extract-code-blocks';
import { findFinalInProse, unquote } from '../text/find-final-in-prose';
import { keepText, loadSha256 } from '../trajectory/keep-text';
import type {
  AnswerSource,
  Trajectory,
  TrajectoryCodeBlock,
  TrajectoryIteration,
  TrajectorySubCall,
} from '../trajectory/trajectory';
import { FailedSubCallTracker } from '../usage/failed-sub-calls';
import { UsageTracker } from '../usage/usage-totals';
import { callModel, describeError } from './call-model';
import { describeContext } from './describe-context';
import { createHostFunctions } from './host-functions';
import { answerFromReply } from './partial-answer';
import { resolveFinalFromProse } from './resolve-final-from-prose';
import { modelKey } from './resolve-settings';
import type { RunTree } from './run-tree';

/** The outcome of one run (root or child). */
export interface RunOutcome {
  readonly answer: string;
  readonly answerSource: AnswerSource;
  readonly trajectory: Trajectory;
  readonly turns: number;
}

/** Characters of stdout + stderr an environment keeps per cell; the model sees far less (maxOutputChars). */
const CAPTURED_OUTPUT_CHARS = 1_000_000;

/**
 * One RLM run: the root, or a child started by `rlm_query`. Builds the prompt, then loops: call the
 * root model, run its code blocks in one persistent session, show it the capped outputs, until the
 * code calls FINAL / FINAL_VAR or the turns run out. Errors carry the partial answer and trajectory.
 */
export async function runRLM(
  tree: RunTree,
  options: {
    question: string;
    context: ContextValue;
    depth: number;
    parentRunId?: string;
    parentUsage?: UsageTracker;
    parentFailures?: FailedSubCallTracker;
    /** Stops this run (not the tree): a child whose parent's cell dropped it. */
    signal?: AbortSignal;
  },
): Promise<RunOutcome> {
  const { settings } = tree;
  const { question, context, depth } = options;
  const runId = tree.nextId('run');
  const runController = new AbortController();
  const runSignal = AbortSignal.any(
    options.signal
      ? [tree.signal, options.signal, runController.signal]
      : [tree.signal, runController.signal],
  );
  const started = performance.now();
  // A child's calls are added to its parent's usage too, whether the child succeeds or fails.
  const usage = new UsageTracker(options.parentUsage);
  const failures = new FailedSubCallTracker(options.parentFailures);
  // Sub-calls not yet settled: the run ends only after each has closed its record.
  const pendingSubCalls = new Set<Promise<unknown>>();
  const settleSubCalls = async (): Promise<void> => {
    while (pendingSubCalls.size > 0) await Promise.allSettled([...pendingSubCalls]);
  };
  const rootModel = depth === 0 ? settings.model : settings.subModel;
  const summary = describeContext(context);
  const language = settings.environment.language;
  // Starts every line the loop adds to what the model sees; nothing a cell prints can carry it.
  const tag = createNoteTag();
  const promptOptions: SystemPromptOptions = {
    recursionAvailable: depth + 1 < settings.limits.maxDepth,
    subModelContextWindow: settings.subModel.contextWindow,
    namedModels: Object.keys(settings.models),
    maxOutputChars: settings.maxOutputChars,
    maxConcurrency: settings.maxConcurrency,
    tools: settings.tools,
    noteTag: tag,
  };
  const systemPrompt = settings.systemPrompt
    ? settings.systemPrompt({ ...promptOptions, language })
    : javascriptSystemPrompt(promptOptions);
  const messages: ChatMessage[] = [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: firstUserMessage(question, summary, tag) },
  ];
  // A child's question is a model-written prompt of any size: the trajectory keeps a bounded copy.
  const sha256 = await loadSha256();
  const keptQuestion = keepText(question, settings.maxTrajectoryTextChars, sha256);
  await keptQuestion.hashed;
  const trajectory: Trajectory = {
    version: 1,
    runId,
    ...(options.parentRunId ? { parentRunId: options.parentRunId } : {}),
    depth,
    startedAt: new Date().toISOString(),
    metadata: {
      rootModel: modelKey(rootModel),
      subModel: modelKey(settings.subModel),
      environment: settings.environment.environmentId,
      maxDepth: settings.limits.maxDepth,
      maxTurns: settings.limits.maxTurns,
      question: keptQuestion.text,
      ...(keptQuestion.cut ? { questionCut: keptQuestion.cut } : {}),
      context: summary,
      initialMessages: messages.map((message) => ({
        ...message,
        content: keepText(message.content, settings.maxTrajectoryTextChars, () => '').text,
      })),
    },
    iterations: [],
  };
  tree.emit({
    type: 'run-start',
    runId,
    depth,
    timestamp: Date.now(),
    ...(options.parentRunId ? { parentRunId: options.parentRunId } : {}),
    question: keptQuestion.text,
    context: summary,
    rootModel: trajectory.metadata.rootModel,
    subModel: trajectory.metadata.subModel,
  });

  let currentBlock: TrajectoryCodeBlock | undefined;
  let lastReply: string | undefined;
  let recordedFinal: FinalAnswer | undefined;
  const finish = (answer: string, answerSource: AnswerSource, turns: number): RunOutcome => {
    trajectory.answer = answer;
    trajectory.answerSource = answerSource;
    trajectory.usage = usage.snapshot();
    trajectory.failedSubCalls = failures.snapshot();
    trajectory.durationMs = performance.now() - started;
    tree.emit({
      type: 'run-end',
      runId,
      depth,
      timestamp: Date.now(),
      answer,
      answerSource,
      usage: trajectory.usage,
      failedSubCalls: trajectory.failedSubCalls,
      durationMs: trajectory.durationMs,
    });
    return { answer, answerSource, trajectory, turns };
  };

  let session: ReplSession | undefined;
  let sessionStarting: Promise<ReplSession> | undefined;
  try {
    const hostFunctions = createHostFunctions(tree, {
      runId,
      depth,
      usage,
      context,
      sha256,
      failures,
      pendingSubCalls,
      currentSubCalls: (): TrajectorySubCall[] | undefined => currentBlock?.subCalls,
      runChild: async (childQuestion, childContext, childSignal) => {
        const child = await runRLM(tree, {
          question: childQuestion,
          context: childContext,
          depth: depth + 1,
          parentRunId: runId,
          parentUsage: usage,
          parentFailures: failures,
          signal: childSignal,
        });
        return { answer: child.answer, trajectory: child.trajectory };
      },
    });

    // Creating a sandbox takes a slot of the tree's limiter, ahead of calls not yet started. The
    // root's starts while its first model call is in flight: context injection (up to a second at
    // 50 MB) then costs no latency. A child's starts when its first cell needs it, so children
    // queued behind a fan-out hold no sandbox. A failure to start surfaces at the first cell.
    const startSession = (): Promise<ReplSession> => {
      sessionStarting ??= tree.limiter.run(
        () => settings.environment.createSession({ context, hostFunctions, signal: runSignal }),
        runSignal,
        MAX_PRIORITY,
      );
      sessionStarting.catch(() => undefined);
      return sessionStarting;
    };
    // The root's first model call is abandoned as soon as its sandbox fails to start (a context that
    // does not fit, say), and a sandbox that refuses at once does so before that call is even sent:
    // nobody pays for a turn whose code could never run.
    let sessionFailure: { readonly error: unknown } | undefined;
    const firstCall = new AbortController();
    if (depth === 0) {
      startSession().catch((error: unknown) => {
        sessionFailure = { error };
        firstCall.abort(error);
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (sessionFailure) throw sessionFailure.error;
    }
    const onRunAbort = () => firstCall.abort(runSignal.reason);
    if (runSignal.aborted) onRunAbort();
    else runSignal.addEventListener('abort', onRunAbort, { once: true });
    const openSession = async (): Promise<ReplSession> => {
      session ??= await startSession();
      return session;
    };
    let consecutiveErrorTurns = 0;
    // The answer to the last call after the turns ran out: its code, if it wrote some anyway and that
    // code calls FINAL; a `FINAL(...)` line; or its prose if that answers. Nothing else is an answer.
    const fallbackAnswer = async (text: string): Promise<string | undefined> => {
      const blocks =
        language === 'javascript' || language === 'python' ? extractRunnableCodeBlocks(text, language) : [];
      for (const block of blocks) {
        const result = await (await openSession()).runCell(block.code, {
          timeoutMs: settings.cellTimeoutMs,
          maxOutputChars: CAPTURED_OUTPUT_CHARS,
          signal: runSignal,
        });
        tree.throwIfStopped();
        if (result.final) {
          recordedFinal = result.final;
          return result.final.value;
        }
      }
      const written = findFinalInProse(text);
      if (written?.atLineStart && written.kind === 'FINAL') {
        return unquote(written.argument);
      }
      return answerFromReply(text, language);
    };

    for (let turn = 1; turn <= settings.limits.maxTurns; turn++) {
      tree.throwIfStopped();
      const turnStarted = performance.now();
      tree.emit({
        type: 'turn-start',
        runId,
        depth,
        timestamp: Date.now(),
        turn,
        maxTurns: settings.limits.maxTurns,
      });
      const modelStarted = performance.now();
      let reply: Awaited<ReturnType<typeof callModel>>;
      try {
        reply = await callModel(
          tree,
          { runId, depth, usage },
          rootModel,
          // A copy per call: the history grows after it, and a provider may keep what it was sent.
          [...messages],
          'root',
          settings.maxOutputTokens,
          turn === 1 ? firstCall.signal : runSignal,
        );
      } catch (error) {
        if (sessionFailure) throw sessionFailure.error;
        throw error;
      } finally {
        if (turn === 1) runSignal.removeEventListener('abort', onRunAbort);
      }
      lastReply = reply.text;
      const iteration: TrajectoryIteration = {
        turn,
        response: reply.text,
        usage: reply.usage,
        ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
        ...(reply.finishReason !== undefined ? { finishReason: reply.finishReason } : {}),
        modelDurationMs: performance.now() - modelStarted,
        codeBlocks: [],
      };
      trajectory.iterations.push(iteration);

      const blocks =
        language === 'javascript' || language === 'python'
          ? extractRunnableCodeBlocks(reply.text, language)
          : [];
      const outputs: string[] = [];
      const results: CellResult[] = [];
      let final: FinalAnswer | undefined;
      let skippedBlocks = 0;
      for (const [index, block] of blocks.entries()) {
        const record: TrajectoryCodeBlock = { code: block.code, subCalls: [] };
        iteration.codeBlocks.push(record);
        if (final) {
          skippedBlocks++;
          continue;
        }
        currentBlock = record;
        tree.emit({ type: 'cell-start', runId, depth, timestamp: Date.now(), turn, index, code: block.code });
        const result = await (await openSession()).runCell(block.code, {
          timeoutMs: settings.cellTimeoutMs,
          maxOutputChars: CAPTURED_OUTPUT_CHARS,
          signal: runSignal,
        });
        currentBlock = undefined;
        record.result = result;
        results.push(result);
        tree.emit({ type: 'cell-end', runId, depth, timestamp: Date.now(), turn, index, result });
        // Kept before the stop check: a cell that called FINAL and was then stopped (a limit, an
        // abort) still said what its answer is, and that is the run's partial answer.
        if (result.final) recordedFinal = result.final;
        tree.throwIfStopped();
        outputs.push(
          formatCellOutput(result, settings.maxOutputChars, tag) + failedSubCallsNote(record.subCalls, tag),
        );
        if (result.final) final = result.final;
      }

      const notes: string[] = [];
      let answerSource: AnswerSource | undefined = final?.source;
      if (!final) {
        const proseFinal = findFinalInProse(reply.text);
        const anyCellFailed = results.some((result) => result.error !== undefined);
        if (proseFinal && !anyCellFailed) {
          const resolved = await resolveFinalFromProse(await openSession(), proseFinal, {
            replyHasCode: blocks.length > 0,
            tag,
            timeoutMs: settings.cellTimeoutMs,
            signal: runSignal,
          });
          tree.throwIfStopped();
          if (resolved.answer !== undefined) {
            final = { source: proseFinal.kind, value: resolved.answer };
            answerSource = 'text';
          } else if (resolved.note) notes.push(resolved.note);
        }
      }

      if (final) {
        iteration.finalAnswer = final.value;
        iteration.durationMs = performance.now() - turnStarted;
        tree.emit({ type: 'turn-end', runId, depth, timestamp: Date.now(), turn, finalAnswer: final.value });
        await settleSubCalls();
        return finish(final.value, answerSource ?? final.source, turn);
      }

      const feedback =
        blocks.length === 0
          ? noCodeMessage({
              turn,
              maxTurns: settings.limits.maxTurns,
              language,
              truncated: reply.finishReason === 'length',
              notes,
              tag,
            })
          : turnFeedbackMessage({
              outputs,
              turn,
              maxTurns: settings.limits.maxTurns,
              question,
              skippedBlocks,
              notes: reply.finishReason === 'length' ? [...notes, replyCutOffNote(tag)] : notes,
              tag,
            });
      iteration.feedback = feedback;
      iteration.durationMs = performance.now() - turnStarted;
      messages.push({ role: 'assistant', content: reply.text }, { role: 'user', content: feedback });
      tree.emit({ type: 'turn-end', runId, depth, timestamp: Date.now(), turn });

      const allFailed = results.length > 0 && results.every((result) => result.error !== undefined);
      consecutiveErrorTurns = allFailed ? consecutiveErrorTurns + 1 : 0;
      if (consecutiveErrorTurns >= settings.limits.maxConsecutiveErrors) {
        throw new LimitExceededError({
          limit: 'maxConsecutiveErrors',
          limitValue: settings.limits.maxConsecutiveErrors,
          message: `The code failed in ${consecutiveErrorTurns} turns in a row (limits.maxConsecutiveErrors). Last error: ${results.at(-1)?.error?.message ?? 'unknown'}`,
        });
      }
    }

    // The turns ran out without FINAL: ask once for the best answer from what the history holds.
    const fallbackMessages: ChatMessage[] = [
      ...messages,
      { role: 'user', content: maxTurnsFallbackMessage(question, tag) },
    ];
    const fallback = await callModel(
      tree,
      { runId, depth, usage },
      rootModel,
      fallbackMessages,
      'max-turns-fallback',
      settings.maxOutputTokens,
      runSignal,
    );
    lastReply = fallback.text;
    const answer = await fallbackAnswer(fallback.text);
    if (answer === undefined) {
      throw new LimitExceededError({
        limit: 'maxTurns',
        limitValue: settings.limits.maxTurns,
        message: `The turns ran out (limits.maxTurns: ${settings.limits.maxTurns}) before the code called FINAL, and the model's last reply gave no answer.`,
      });
    }
    await settleSubCalls();
    return finish(answer, 'max-turns-fallback', settings.limits.maxTurns);
  } catch (thrown) {
    // Sub-calls still in flight are stopped and their records closed before the run reports its end.
    runController.abort(thrown);
    await settleSubCalls();
    const error = tree.fatalError ?? thrown;
    trajectory.usage = usage.snapshot();
    trajectory.failedSubCalls = failures.snapshot();
    trajectory.durationMs = performance.now() - started;
    trajectory.error = describeError(error);
    // Only something that answers: a FINAL value the code recorded, or a last reply in plain prose
    // that is not a plan (see answerFromReply). Otherwise there is no partial answer.
    const partialAnswer = recordedFinal?.value ?? answerFromReply(lastReply, language);
    if (partialAnswer !== undefined) trajectory.answer = partialAnswer;
    tree.emit({
      type: 'run-error',
      runId,
      depth,
      timestamp: Date.now(),
      error: trajectory.error,
      usage: trajectory.usage,
      failedSubCalls: trajectory.failedSubCalls,
      durationMs: trajectory.durationMs,
    });
    throw attachPartial(error, partialAnswer, trajectory);
  } finally {
    await sessionStarting?.then((started) => started.dispose()).catch(() => undefined);
  }
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

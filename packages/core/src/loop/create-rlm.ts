import type { ContextValue } from '../environment/context-value';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { RLMEvent, RLMEventListener } from '../events/rlm-event';
import type { RLMLimits } from '../limits/rlm-limits';
import { createReplayStore, type ReplayStore } from '../model-call-store/replay-store';
import type { AnswerSource, Trajectory } from '../trajectory/trajectory';
import type { TrajectoryWriter } from '../trajectory/trajectory-writer';
import type { FailedSubCalls } from '../usage/failed-sub-calls';
import type { RunUsage } from '../usage/usage-totals';
import { checkResume } from './check-resume';
import { createEventStream } from './event-stream';
import { resolveSettings } from './resolve-settings';
import type { RLMSettings } from './rlm-settings';
import { runRLM } from './run-rlm';
import { RunTree } from './run-tree';

/** Options of one `completion`. */
export interface CompletionOptions {
  /** The text or data to answer from: a string, a list of documents, or JSON-serialisable data. */
  readonly context: ContextValue;
  /** Cancels everything in flight: model calls, cells, children. The call rejects with `RunAbortedError`. */
  readonly signal?: AbortSignal;
  /** Receives every event of this call (in addition to the RLM's own `onEvent`). */
  readonly onEvent?: RLMEventListener;
  /** Overrides the RLM's limits for this call. */
  readonly limits?: RLMLimits;
  /**
   * Receives the root trajectory while it grows (metadata, each answered model call, each turn, the
   * end), so that a stopped or killed run leaves a record that `resume` can continue from. E.g.
   * `await openTrajectoryJsonlWriter('run.jsonl')`.
   */
  readonly trajectoryWriter?: TrajectoryWriter;
}

/** Options of one `resume`: those of `completion`, and the question (default: the recorded one). */
export interface ResumeOptions extends CompletionOptions {
  /** Must be the recorded question; default it. */
  readonly question?: string;
}

/** What a resumed run replayed (on {@link RLMResult.resumed}). */
export interface ResumeReport {
  /** Answers the trajectory had recorded. */
  readonly recordedCalls: number;
  /** Of those, answers the resumed run never asked for again (it took another path, e.g. after a sampled answer). */
  readonly unusedCalls: number;
}

/** What `completion` resolves to. */
export interface RLMResult {
  /** The answer. */
  readonly answer: string;
  /** How it was obtained; `'max-turns-fallback'` means the turns ran out and the model was asked for its best answer. */
  readonly answerSource: AnswerSource;
  /** Calls and tokens, in total and per model (`provider:modelId`), children included. */
  readonly usage: RunUsage;
  /** Cost in US dollars of the calls whose price was known (see `usage.total.callsWithUnknownCost`). */
  readonly costUsd: number;
  /**
   * Sub-calls of the whole tree that failed (`count`) out of all made (`total`), with their reasons.
   * The answer may be built without them: the model was told of each, but check `count` before
   * trusting an aggregate.
   */
  readonly failedSubCalls: FailedSubCalls;
  /** Root-model turns the root run took. */
  readonly turns: number;
  /** Wall-clock time, in milliseconds. */
  readonly durationMs: number;
  /** The whole run as plain JSON; write it with `writeTrajectoryJsonl`. */
  readonly trajectory: Trajectory;
  /** Set by `resume`: what was replayed. The replayed calls are also in `usage.total.replayedCalls`. */
  readonly resumed?: ResumeReport;
}

/** A running completion that yields its events as they happen. */
export interface RLMStream extends AsyncIterable<RLMEvent> {
  /** Settles like `completion` would. Always handled, so not awaiting it is safe. */
  readonly result: Promise<RLMResult>;
}

/** A configured Recursive Language Model. */
export interface RLM {
  /** Answers `question` from `options.context`. Rejects with `LimitExceededError`, `RunAbortedError`, or the provider's or sandbox's error. */
  completion(question: string, options: CompletionOptions): Promise<RLMResult>;
  /** Like `completion`, yielding every event; the result is in `.result`. Breaking out of the loop does not cancel the run: pass a signal. */
  stream(question: string, options: CompletionOptions): RLMStream;
  /**
   * Continues a run that stopped (a limit, an abort, a killed process) from its trajectory: runs the
   * same question on the same context again, answering every model call the earlier attempt had
   * answered from its record (`trajectory.modelCalls`) instead of sending it, so the cells rebuild
   * the REPL's state, and goes on with real calls from the first call it had not made. Replayed calls
   * count as spent (`usage.total.replayedCalls`, tokens, cost, sub-calls, turns) against the limits;
   * `timeoutMs` counts from the resume. Refuses (`InvalidArgumentError`, nothing sent) another
   * context, question or environment language, and trajectories that did not record the answers.
   */
  resume(trajectory: Trajectory, options: ResumeOptions): Promise<RLMResult>;
}

/**
 * Creates an RLM: a model that answers from a context of any size by writing code against it in a
 * sandboxed REPL, calling sub-models on the pieces it chooses.
 *
 * ```ts
 * const rlm = createRLM({ model, subModel, environment: createQuickJSEnvironment() });
 * const { answer } = await rlm.completion('How many users asked about locations?', { context: hugeText });
 * ```
 */
export function createRLM(settings: RLMSettings): RLM {
  resolveSettings(settings);

  const completion = (question: string, options: CompletionOptions): Promise<RLMResult> =>
    run(question, options, undefined);

  const run = async (
    question: string,
    options: CompletionOptions,
    resumed: { readonly trajectory: Trajectory; readonly replay: ReplayStore } | undefined,
  ): Promise<RLMResult> => {
    if (typeof question !== 'string' || question.trim() === '') {
      throw new InvalidArgumentError({
        argument: 'question',
        message: 'completion needs a non-empty question string as its first argument.',
      });
    }
    if (!options || typeof options !== 'object' || !('context' in options) || options.context === undefined) {
      throw new InvalidArgumentError({
        argument: 'options.context',
        message:
          'completion needs a context: rlm.completion(question, { context }) with a string, a list of strings or JSON data.',
      });
    }
    const resolved = resolveSettings(settings, options.limits);
    const listeners = [settings.onEvent, options.onEvent].filter(
      (listener): listener is RLMEventListener => listener !== undefined,
    );
    const tree = new RunTree(resolved, listeners, options.signal, {
      ...(options.trajectoryWriter ? { writer: options.trajectoryWriter } : {}),
      ...(resumed ? { inheritedCalls: resumed.trajectory.modelCalls ?? [], replay: resumed.replay } : {}),
    });
    const started = performance.now();
    let ended: Trajectory | undefined;
    try {
      const outcome = await runRLM(tree, {
        question,
        context: options.context,
        depth: 0,
        // A resume checked the context against the recorded hash: it is not hashed again.
        ...(resumed?.trajectory.metadata.contextSha256
          ? { contextSha256: resumed.trajectory.metadata.contextSha256 }
          : {}),
      });
      ended = outcome.trajectory;
      const usage = outcome.trajectory.usage!;
      return {
        answer: outcome.answer,
        answerSource: outcome.answerSource,
        usage,
        costUsd: usage.total.costUsd,
        failedSubCalls: outcome.trajectory.failedSubCalls!,
        turns: outcome.turns,
        durationMs: performance.now() - started,
        trajectory: outcome.trajectory,
        ...(resumed
          ? {
              resumed: {
                recordedCalls: resumed.trajectory.modelCalls?.length ?? 0,
                unusedCalls: resumed.replay.unserved(),
              },
            }
          : {}),
      };
    } catch (error) {
      const trajectory = (error as { trajectory?: Trajectory } | undefined)?.trajectory;
      if (trajectory?.depth === 0) ended = trajectory;
      throw error;
    } finally {
      tree.close();
      if (ended) {
        const trajectory = ended;
        tree.write((writer) => writer.end(trajectory));
      }
    }
  };

  const resume = async (trajectory: Trajectory, options: ResumeOptions): Promise<RLMResult> => {
    if (!options || typeof options !== 'object' || options.context === undefined) {
      throw new InvalidArgumentError({
        argument: 'options.context',
        message: 'resume needs the context the run was recorded with: rlm.resume(trajectory, { context }).',
      });
    }
    const { question } = await checkResume(trajectory, {
      ...(options.question === undefined ? {} : { question: options.question }),
      context: options.context,
      environment: settings.environment,
    });
    const replay = createReplayStore(trajectory.modelCalls ?? []);
    return run(question, options, { trajectory, replay });
  };

  return {
    completion,
    resume,
    stream(question, options) {
      const stream = createEventStream<RLMEvent>();
      const result = completion(question, {
        ...options,
        onEvent: (event) => {
          options.onEvent?.(event);
          stream.push(event);
        },
      });
      result.then(
        () => stream.end(),
        (error: unknown) => stream.end(error),
      );
      result.catch(() => undefined);
      return Object.assign(stream.iterable, { result });
    },
  };
}

import type { ContextValue } from '../environment/context-value';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { RLMEvent, RLMEventListener } from '../events/rlm-event';
import type { RLMLimits } from '../limits/rlm-limits';
import { createReplayStore, type ReplayStore } from '../model-call-store/replay-store';
import { type AnswerSchema, type InferAnswer, resolveAnswerSchema } from '../schema/answer-schema';
import type { AnswerSource, Trajectory } from '../trajectory/trajectory';
import type { TrajectoryWriter } from '../trajectory/trajectory-writer';
import type { FailedSubCalls } from '../usage/failed-sub-calls';
import type { RunUsage } from '../usage/usage-totals';
import { checkResume } from './check-resume';
import { createEventStream } from './event-stream';
import { resolveSettings } from './resolve-settings';
import { createRLMSession, type RLMSession, type SessionOptions } from './rlm-session';
import type { RLMSettings } from './rlm-settings';
import { runRLM } from './run-rlm';
import { RunTree } from './run-tree';
import { type AnswerSchemaRequest, DEFAULT_MAX_SCHEMA_RETRIES } from './typed-answer';

/** Options of one `completion`; `Schema` is the type of `schema` (none by default: a text answer). */
export interface CompletionOptions<Schema extends AnswerSchema | undefined = undefined> {
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
  /**
   * What the answer must be: a Standard Schema (zod 4, valibot, arktype, …) or a JSON Schema object.
   * The model is shown it as JSON Schema, the value it passes to FINAL is validated, and `answer` is
   * the validated value (typed by the schema's output type; `unknown` for a JSON Schema). An answer
   * that does not match is sent back with what is wrong, up to `maxSchemaRetries` times; then the
   * call rejects with `AnswerValidationError`.
   */
  readonly schema?: Schema;
  /**
   * The JSON Schema shown to the model for a Standard Schema that cannot write its own (valibot
   * without `toStandardJsonSchema`, arktype, …). Default: the schema's own (`~standard.jsonSchema`).
   */
  readonly jsonSchema?: object;
  /** How many refused answers the model may fix before the call fails. Default 2. */
  readonly maxSchemaRetries?: number;
}

/**
 * Options of one `resume`: those of `completion`, and the question (default: the recorded one). A
 * run that had a `schema` is resumed with the same one (the prompt shows it, so the recorded calls
 * match only then).
 */
export interface ResumeOptions<Schema extends AnswerSchema | undefined = undefined>
  extends CompletionOptions<Schema> {
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
export interface RLMResult<Answer = string> {
  /** The answer: the text, or with a `schema`, the validated value. */
  readonly answer: Answer;
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
export interface RLMStream<Answer = string> extends AsyncIterable<RLMEvent> {
  /** Settles like `completion` would. Always handled, so not awaiting it is safe. */
  readonly result: Promise<RLMResult<Answer>>;
}

/** A configured Recursive Language Model. */
export interface RLM {
  /**
   * Answers `question` from `options.context`; with `options.schema`, as a validated value of the
   * schema's type. Rejects with `LimitExceededError`, `RunAbortedError`, `AnswerValidationError`, or
   * the provider's or sandbox's error.
   */
  completion<Schema extends AnswerSchema | undefined = undefined>(
    question: string,
    options: CompletionOptions<Schema>,
  ): Promise<RLMResult<InferAnswer<Schema>>>;
  /** Like `completion`, yielding every event; the result is in `.result`. Breaking out of the loop does not cancel the run: pass a signal. */
  stream<Schema extends AnswerSchema | undefined = undefined>(
    question: string,
    options: CompletionOptions<Schema>,
  ): RLMStream<InferAnswer<Schema>>;
  /**
   * Continues a run that stopped (a limit, an abort, a killed process) from its trajectory: runs the
   * same question on the same context again, answering every model call the earlier attempt had
   * answered from its record (`trajectory.modelCalls`) instead of sending it, so the cells rebuild
   * the REPL's state, and goes on with real calls from the first call it had not made. Replayed calls
   * count as spent (`usage.total.replayedCalls`, tokens, cost, sub-calls, turns) against the limits;
   * `timeoutMs` counts from the resume. Refuses (`InvalidArgumentError`, nothing sent) another
   * context, question or environment language, and trajectories that did not record the answers.
   */
  resume<Schema extends AnswerSchema | undefined = undefined>(
    trajectory: Trajectory,
    options: ResumeOptions<Schema>,
  ): Promise<RLMResult<InferAnswer<Schema>>>;
  /**
   * Starts a conversation: questions asked with `session.completion` share one REPL, so a later
   * question can use what an earlier one computed. Dispose of it (`await session.dispose()`, or
   * `await using`) to release the REPL.
   */
  session(options?: SessionOptions): RLMSession;
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

  const completion = (
    question: string,
    options: CompletionOptions<AnswerSchema | undefined>,
  ): Promise<RLMResult<unknown>> => run(question, options, undefined);

  const run = async (
    question: string,
    options: CompletionOptions<AnswerSchema | undefined>,
    resumed: { readonly trajectory: Trajectory; readonly replay: ReplayStore } | undefined,
  ): Promise<RLMResult<unknown>> => {
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
    const answerSchema = answerSchemaOf(options);
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
        ...(answerSchema ? { answerSchema } : {}),
      });
      ended = outcome.trajectory;
      const usage = outcome.trajectory.usage!;
      return {
        answer: answerSchema ? outcome.typed?.value : outcome.answer,
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

  const resume = async (
    trajectory: Trajectory,
    options: ResumeOptions<AnswerSchema | undefined>,
  ): Promise<RLMResult<unknown>> => {
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
    completion: completion as RLM['completion'],
    resume: resume as RLM['resume'],
    session: (options) => createRLMSession(settings, options),
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
      return Object.assign(stream.iterable, { result }) as RLMStream<never>;
    },
  };
}

/** The `schema` of a completion, checked and ready for the run, with its retries. */
export function answerSchemaOf(
  options: Pick<CompletionOptions<AnswerSchema | undefined>, 'schema' | 'jsonSchema' | 'maxSchemaRetries'>,
): AnswerSchemaRequest | undefined {
  if (options.schema === undefined) {
    if (options.jsonSchema !== undefined || options.maxSchemaRetries !== undefined) {
      throw new InvalidArgumentError({
        argument: options.jsonSchema !== undefined ? 'options.jsonSchema' : 'options.maxSchemaRetries',
        message:
          'jsonSchema and maxSchemaRetries go with a schema: rlm.completion(question, { context, schema }).',
      });
    }
    return undefined;
  }
  const maxRetries = options.maxSchemaRetries ?? DEFAULT_MAX_SCHEMA_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidArgumentError({
      argument: 'options.maxSchemaRetries',
      message: `maxSchemaRetries must be a whole number, 0 or more; got ${JSON.stringify(maxRetries)}.`,
    });
  }
  return { schema: resolveAnswerSchema(options.schema, options.jsonSchema, 'options.schema'), maxRetries };
}

import type { ContextValue } from '../environment/context-value';
import type { FinalAnswer } from '../environment/repl-environment';
import type { ChatMessage, LanguageModel } from '../language-model/language-model';
import { createNoteTag } from '../prompts/loop-messages';
import { contextSha256 } from '../trajectory/context-sha256';
import { keepText, loadSha256, type Sha256 } from '../trajectory/keep-text';
import type { Trajectory, TrajectoryCodeBlock } from '../trajectory/trajectory';
import { FailedSubCallTracker } from '../usage/failed-sub-calls';
import { UsageTracker } from '../usage/usage-totals';
import type { CallingRun } from './call-model';
import { describeContext } from './describe-context';
import { modelKey } from './resolve-settings';
import { createRunEmitter } from './run-emitter';
import { firstMessages } from './run-prompt';
import type { RunTree } from './run-tree';
import type { SessionTurn } from './session-turn';
import { type AnswerSchemaRequest, TypedAnswer } from './typed-answer';

/** What starts a run: `completion` for the root, a parent's `rlm_query` for a child. */
export interface RunRequest {
  readonly question: string;
  readonly context: ContextValue;
  readonly depth: number;
  readonly parentRunId?: string;
  /** For a child: the `callId` of the parent's sub-call that started it (carried by `run-start`). */
  readonly parentCallId?: string;
  readonly parentUsage?: UsageTracker;
  readonly parentFailures?: FailedSubCallTracker;
  /** Stops this run (not the tree): a child whose parent's cell dropped it. */
  readonly signal?: AbortSignal;
  /** The root context's SHA-256 when it is known already (a resume checked it): not hashed again. */
  readonly contextSha256?: string;
  /** What the answer must match: `completion`'s `schema`, or `rlm_query`'s for a child. */
  readonly answerSchema?: AnswerSchemaRequest;
  /** Set for a question of `rlm.session` (the root only): its REPL and conversation outlive the run. */
  readonly session?: SessionTurn;
}

/** What one run (the root or a child) keeps while it runs; the steps of the loop share it. */
export interface RunState extends CallingRun {
  readonly question: string;
  readonly context: ContextValue;
  /** The model that writes this run's code: the root model at depth 0, the sub-model below. */
  readonly rootModel: LanguageModel;
  /** Starts every line the loop adds to what the model sees; nothing a cell prints can carry it. */
  readonly tag: string;
  /** Hashes the texts too long for the trajectory to keep whole. */
  readonly sha256: Sha256;
  /** Counts this run's sub-calls and their failures (a child's also count in its parent's). */
  readonly failures: FailedSubCallTracker;
  /** Aborted when the tree stops, when the parent drops this run, or when this run fails. */
  readonly signal: AbortSignal;
  /** `performance.now()` when the run started. */
  readonly startedAt: number;
  /** The conversation with the root model so far; it grows by two messages a turn. */
  readonly messages: ChatMessage[];
  readonly trajectory: Trajectory;
  /** Sub-calls not yet settled: the run ends only after each has closed its record. */
  readonly pendingSubCalls: Set<Promise<unknown>>;
  /** The code block running now, where the sub-calls it starts are recorded. */
  currentBlock: TrajectoryCodeBlock | undefined;
  /** The root model's last reply: the partial answer of a failed run, if it answers in prose. */
  lastReply: string | undefined;
  /** The last FINAL the code called: the partial answer of a run stopped after it. */
  recordedFinal: FinalAnswer | undefined;
  /** Validates FINAL against the run's answer schema, when it has one. */
  readonly typedAnswer?: TypedAnswer;
  /** Aborts the run's signal: its sub-calls and children in flight stop. */
  stop(reason: unknown): void;
  /** Waits until every sub-call this run started has settled and closed its record. */
  settleSubCalls(): Promise<void>;
}

/**
 * Starts a run: its id, signal and trackers, the first messages, the trajectory's opening, and the
 * `run-start` event.
 */
export async function startRun(tree: RunTree, request: RunRequest): Promise<RunState> {
  const { settings } = tree;
  const { question, context, depth, parentRunId, parentCallId } = request;
  const runId = tree.nextId('run');
  const controller = new AbortController();
  const signal = AbortSignal.any(
    request.signal ? [tree.signal, request.signal, controller.signal] : [tree.signal, controller.signal],
  );
  const startedAt = performance.now();
  // A child's calls are added to its parent's usage too, whether the child succeeds or fails.
  const usage = new UsageTracker(request.parentUsage);
  const failures = new FailedSubCallTracker(request.parentFailures);
  const pendingSubCalls = new Set<Promise<unknown>>();
  const rootModel = depth === 0 ? settings.model : settings.subModel;
  const summary = describeContext(context);
  const tag = createNoteTag();
  const initialMessages = firstMessages(settings, {
    question,
    summary,
    depth,
    tag,
    ...(request.answerSchema ? { answerSchema: request.answerSchema.schema.jsonSchema } : {}),
  });
  const messages = request.session ? request.session.messages(initialMessages, tag) : initialMessages;
  // A child's question is a model-written prompt of any size: the trajectory keeps a bounded copy.
  const sha256 = await loadSha256();
  const keptQuestion = keepText(question, settings.maxTrajectoryTextChars, sha256);
  await keptQuestion.hashed;
  // The root's context is fingerprinted so that a resume can refuse another one.
  const contextHash =
    depth === 0 ? (request.contextSha256 ?? (await contextSha256(context, sha256))) : undefined;
  const trajectory: Trajectory = {
    version: 1,
    runId,
    ...(parentRunId ? { parentRunId } : {}),
    depth,
    startedAt: new Date().toISOString(),
    metadata: {
      rootModel: modelKey(rootModel),
      subModel: modelKey(settings.subModel),
      environment: settings.environment.environmentId,
      language: settings.environment.language,
      ...(contextHash ? { contextSha256: contextHash } : {}),
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
    ...(depth === 0 ? { modelCalls: tree.modelCalls } : {}),
    ...(request.session ? { session: request.session.trajectorySession } : {}),
  };
  const emit = createRunEmitter(tree, runId, depth);
  emit({
    type: 'run-start',
    ...(parentRunId ? { parentRunId } : {}),
    ...(parentCallId ? { parentCallId } : {}),
    question: keptQuestion.text,
    context: summary,
    rootModel: trajectory.metadata.rootModel,
    subModel: trajectory.metadata.subModel,
  });
  return {
    runId,
    depth,
    usage,
    emit,
    question,
    context,
    rootModel,
    tag,
    sha256,
    failures,
    signal,
    startedAt,
    messages,
    trajectory,
    pendingSubCalls,
    currentBlock: undefined,
    lastReply: undefined,
    recordedFinal: undefined,
    ...(request.answerSchema ? { typedAnswer: new TypedAnswer(request.answerSchema) } : {}),
    stop: (reason) => controller.abort(reason),
    settleSubCalls: async () => {
      while (pendingSubCalls.size > 0) await Promise.allSettled([...pendingSubCalls]);
    },
  };
}

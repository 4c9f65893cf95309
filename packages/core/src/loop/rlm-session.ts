import type { ContextValue } from '../environment/context-value';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { LimitExceededError } from '../errors/limit-exceeded-error';
import type { RLMEvent, RLMEventListener } from '../events/rlm-event';
import type { ChatMessage } from '../language-model/language-model';
import type { RLMLimits } from '../limits/rlm-limits';
import {
  earlierAnswerMessage,
  earlierQuestionMessage,
  laterQuestionMessage,
  type SessionExchange,
  sessionSummaryMessage,
  sessionSystemNote,
} from '../prompts/session-messages';
import type { AnswerSchema, InferAnswer } from '../schema/answer-schema';
import type { Trajectory } from '../trajectory/trajectory';
import { emptyUsageTotals, type RunUsage, type UsageTotals } from '../usage/usage-totals';
import {
  compactEarlierQuestions,
  compactEarlierTurns,
  DEFAULT_COMPACTION_THRESHOLD,
  joinConsecutiveRoles,
  type SessionConversation,
  type TurnCompactionState,
} from './compact-history';
import { answerSchemaOf, type CompletionOptions, type RLMResult, type RLMStream } from './create-rlm';
import { describeContext } from './describe-context';
import { createEventStream } from './event-stream';
import { resolveSettings } from './resolve-settings';
import type { RLMSettings } from './rlm-settings';
import { runRLM } from './run-rlm';
import { RunTree } from './run-tree';
import { disposedError, SessionRepl } from './session-repl';
import type { SessionTurn } from './session-turn';

/** Options of `rlm.session`. */
export interface SessionOptions {
  /** Bound to `context` for every question; when absent, the first question's context is. */
  readonly context?: ContextValue;
  /**
   * Limits of the whole session. `maxCostUsd`, `maxTokens` and `maxSubCalls` count every question
   * (a question starts with what is left, and none starts once one is spent); the others apply to
   * each question, as defaults that a question's own `limits` override.
   */
  readonly limits?: RLMLimits;
  /** Receives every event of every question (besides the RLM's and the question's own). */
  readonly onEvent?: RLMEventListener;
  /**
   * Summarising earlier questions when the root conversation nears the root model's window: at
   * `threshold` (default 0.85) of `model.contextWindow`, estimated with `estimateTokens`. `false`
   * turns it off.
   */
  readonly compaction?: false | { readonly threshold?: number };
}

/**
 * Options of one question of a session: those of `completion` (a `schema` for a typed answer, a
 * `trajectoryWriter`, …), with the context optional.
 */
export interface SessionCompletionOptions<Schema extends AnswerSchema | undefined = undefined>
  extends Omit<CompletionOptions<Schema>, 'context' | 'limits' | 'signal'> {
  /** A new context for this question, bound as `context_1`, `context_2`, … (or `context` if none is yet). */
  readonly context?: ContextValue;
  /** Cancels this question; the session stays usable. */
  readonly signal?: AbortSignal;
  /** Limits of this question, within what the session has left. */
  readonly limits?: RLMLimits;
}

/**
 * A conversation with an RLM: one REPL kept across questions, so each question can reuse what the
 * earlier ones computed. Questions run one at a time: a `completion` called while another runs
 * waits for it to settle.
 */
export interface RLMSession extends AsyncDisposable {
  /** The id every question's trajectory carries in `session.sessionId`. */
  readonly sessionId: string;
  /**
   * Answers `question` in the session's REPL (with `options.schema`, as a validated value). Rejects
   * like `rlm.completion`, or once the session was disposed.
   */
  completion<Schema extends AnswerSchema | undefined = undefined>(
    question: string,
    options?: SessionCompletionOptions<Schema>,
  ): Promise<RLMResult<InferAnswer<Schema>>>;
  /** Like `completion`, yielding every event; the result is in `.result`. */
  stream<Schema extends AnswerSchema | undefined = undefined>(
    question: string,
    options?: SessionCompletionOptions<Schema>,
  ): RLMStream<InferAnswer<Schema>>;
  /** Usage of every question so far (failed ones included), in total and per model. */
  readonly usage: RunUsage;
  /** The trajectory of every question so far, in order (failed ones included). */
  readonly trajectories: readonly Trajectory[];
  /** The answered questions, as the REPL's `history` holds them. */
  readonly history: readonly SessionExchange[];
  /** Aborts a running question, releases the REPL; later questions reject. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Limits that add up over a session's questions. */
const SESSION_WIDE_LIMITS = ['maxCostUsd', 'maxTokens', 'maxSubCalls'] as const;

/** Creates a session of the RLM configured by `settings` (see `RLM.session`). */
export function createRLMSession(settings: RLMSettings, options: SessionOptions = {}): RLMSession {
  resolveSettings(settings, options.limits);
  const threshold =
    options.compaction === false
      ? undefined
      : (options.compaction?.threshold ?? DEFAULT_COMPACTION_THRESHOLD);
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) {
    throw new InvalidArgumentError({
      argument: 'compaction.threshold',
      message: `compaction.threshold must be a share of the context window, above 0 and at most 1; got ${threshold}.`,
    });
  }
  for (const tool of settings.tools ?? []) {
    if (tool.name === 'history' || /^context_\d+$/.test(tool.name)) {
      throw new InvalidArgumentError({
        argument: 'tools',
        message: `Tool name '${tool.name}' is taken in a session (history, context_1, context_2, … are its variables). Rename the tool.`,
      });
    }
  }
  const sessionId = `session-${crypto.randomUUID()}`;
  const repl = new SessionRepl(settings.environment);
  const conversation: SessionConversation = { exchanges: [], summary: undefined };
  const trajectories: Trajectory[] = [];
  const usage = { total: emptyUsageTotals(), byModel: {} as Record<string, UsageTotals> };
  let subCalls = 0;
  /** `context`'s value, once bound; then the names of the contexts that followed it. */
  let firstContext: { readonly value: ContextValue } | undefined =
    options.context === undefined ? undefined : { value: options.context };
  let addedContexts = 0;
  /** How many exchanges `history` in the REPL holds (-1: not bound yet; the first question binds `[]`). */
  let historyBound = -1;
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;
  let running: AbortController | undefined;

  const limitsFor = (questionLimits: RLMLimits | undefined): RLMLimits => {
    const limits: Record<string, number | undefined> = {
      ...settings.limits,
      ...options.limits,
      ...questionLimits,
    };
    const spent = {
      maxCostUsd: usage.total.costUsd,
      maxTokens: usage.total.inputTokens + usage.total.outputTokens,
      maxSubCalls: subCalls,
    };
    for (const name of SESSION_WIDE_LIMITS) {
      const cap = options.limits?.[name];
      if (cap === undefined) continue;
      const left = cap - spent[name];
      if (left <= 0) {
        throw new LimitExceededError({
          limit: name,
          limitValue: cap,
          message: `The session already spent ${name === 'maxCostUsd' ? `$${spent[name].toFixed(4)}` : spent[name]}, reaching its limit of ${cap} (session limits.${name}); no further question starts. Start a new session or raise the limit.`,
        });
      }
      const own = questionLimits?.[name];
      limits[name] = own === undefined ? left : Math.min(own, left);
    }
    return limits as RLMLimits;
  };

  const record = (trajectory: Trajectory | undefined) => {
    if (!trajectory) return;
    trajectories.push(trajectory);
    if (trajectory.usage) addUsage(usage, trajectory.usage);
    subCalls += trajectory.failedSubCalls?.total ?? 0;
  };

  const ask = async (
    question: string,
    questionOptions: SessionCompletionOptions<AnswerSchema | undefined>,
  ): Promise<RLMResult<unknown>> => {
    if (disposed) throw disposedError(settings.environment.environmentId);
    const answerSchema = answerSchemaOf(questionOptions);
    const number = trajectories.length + 1;
    const resolved = resolveSettings(settings, limitsFor(questionOptions.limits));
    const adds: [string, ContextValue][] = [];
    const historyLength = conversation.exchanges.length;
    if (historyBound < historyLength) {
      adds.push(['history', conversation.exchanges.map((exchange) => ({ ...exchange }))]);
    }
    let newContext: { readonly name: string; readonly value: ContextValue } | undefined;
    if (!firstContext) {
      firstContext = { value: questionOptions.context ?? '' };
    } else if (questionOptions.context !== undefined) {
      newContext = { name: `context_${addedContexts + 1}`, value: questionOptions.context };
      adds.push([newContext.name, newContext.value]);
    }
    const sessionContext = firstContext.value;
    const contextNames = [
      'context',
      ...Array.from({ length: addedContexts + (newContext ? 1 : 0) }, (_, i) => `context_${i + 1}`),
    ];
    const stateLost = repl.takeStateLost();
    let opening: ChatMessage | undefined;
    let turns: TurnCompactionState | undefined;
    let runSession: ReturnType<SessionRepl['forRun']> | undefined;

    const turn: SessionTurn = {
      trajectorySession: { sessionId, question: number },
      messages(initial, tag) {
        const [system, firstOpening] = initial as [ChatMessage, ChatMessage];
        const earlier = earlierQuestionMessages(conversation, tag);
        const current: ChatMessage =
          number === 1
            ? firstOpening
            : {
                role: 'user',
                content: laterQuestionMessage({
                  number,
                  question,
                  contextNames,
                  ...(newContext
                    ? { newContext: { name: newContext.name, summary: describeContext(newContext.value) } }
                    : {}),
                  ...(stateLost ? { stateLost } : {}),
                  tag,
                }),
              };
        opening = current;
        return joinConsecutiveRoles([
          { role: 'system', content: `${system.content}\n\n${sessionSystemNote()}` },
          ...earlier,
          current,
        ]);
      },
      runSession(tree, runOptions) {
        // The REPL starts with `context` whichever question starts it (a first question may fail before).
        runSession = repl.forRun(tree, { ...runOptions, context: sessionContext }, adds);
        return runSession;
      },
      async beforeTurn(tree, run, turnNumber) {
        if (threshold === undefined) return;
        if (turnNumber === 1) {
          if (conversation.exchanges.length > 0) {
            await compactEarlierQuestions(tree, run, { conversation, opening: opening!, threshold });
          }
          const openingIndex = run.messages.length - 1;
          turns = { openingIndex, openingContent: run.messages[openingIndex]!.content, summary: undefined };
          return;
        }
        if (turns) await compactEarlierTurns(tree, run, { state: turns, threshold });
      },
    };

    const controller = new AbortController();
    running = controller;
    const signals = [controller.signal, ...(questionOptions.signal ? [questionOptions.signal] : [])];
    const listeners = [settings.onEvent, options.onEvent, questionOptions.onEvent].filter(
      (listener): listener is RLMEventListener => listener !== undefined,
    );
    const tree = new RunTree(
      resolved,
      listeners,
      AbortSignal.any(signals),
      questionOptions.trajectoryWriter ? { writer: questionOptions.trajectoryWriter } : {},
    );
    const started = performance.now();
    let ended: Trajectory | undefined;
    try {
      const outcome = await runRLM(tree, {
        question,
        context: newContext?.value ?? firstContext.value,
        depth: 0,
        session: turn,
        ...(answerSchema ? { answerSchema } : {}),
      });
      ended = outcome.trajectory;
      record(outcome.trajectory);
      conversation.exchanges.push({ question, answer: outcome.answer });
      const runUsage = outcome.trajectory.usage!;
      return {
        answer: answerSchema ? outcome.typed?.value : outcome.answer,
        answerSource: outcome.answerSource,
        usage: runUsage,
        costUsd: runUsage.total.costUsd,
        failedSubCalls: outcome.trajectory.failedSubCalls!,
        turns: outcome.turns,
        durationMs: performance.now() - started,
        trajectory: outcome.trajectory,
      };
    } catch (error) {
      const trajectory = (error as { trajectory?: Trajectory } | undefined)?.trajectory;
      if (trajectory?.depth === 0) ended = trajectory;
      record(trajectory);
      throw error;
    } finally {
      running = undefined;
      tree.close();
      if (ended) {
        const trajectory = ended;
        tree.write((writer) => writer.end(trajectory));
      }
      // What the REPL now holds: a question that failed before its first cell bound nothing.
      if (await runSession?.bound()) {
        if (adds.some(([name]) => name === 'history')) historyBound = historyLength;
        if (newContext) addedContexts++;
      }
    }
  };

  const completion = (
    question: string,
    questionOptions: SessionCompletionOptions<AnswerSchema | undefined> = {},
  ): Promise<RLMResult<unknown>> => {
    if (typeof question !== 'string' || question.trim() === '') {
      return Promise.reject(
        new InvalidArgumentError({
          argument: 'question',
          message: 'completion needs a non-empty question string as its first argument.',
        }),
      );
    }
    if (disposed) return Promise.reject(disposedError(settings.environment.environmentId));
    const result = queue.then(() => ask(question, questionOptions ?? {}));
    queue = result.catch(() => undefined);
    return result;
  };

  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    running?.abort(disposedError(settings.environment.environmentId));
    await queue;
    await repl.dispose();
  };

  const session: RLMSession = {
    sessionId,
    completion: completion as RLMSession['completion'],
    stream(question, questionOptions) {
      const stream = createEventStream<RLMEvent>();
      const result = completion(question, {
        ...questionOptions,
        onEvent: (event) => {
          questionOptions?.onEvent?.(event);
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
    get usage() {
      return { total: { ...usage.total }, byModel: structuredClone(usage.byModel) };
    },
    get trajectories() {
      return [...trajectories];
    },
    get history() {
      return conversation.exchanges.map((exchange) => ({ ...exchange }));
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
  return session;
}

/** The earlier questions as the root conversation keeps them: the summary, then each later one and its answer. */
function earlierQuestionMessages(conversation: SessionConversation, tag: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const through = conversation.summary?.through ?? 0;
  if (conversation.summary) {
    messages.push({ role: 'user', content: sessionSummaryMessage(through, conversation.summary.text, tag) });
  }
  conversation.exchanges.slice(through).forEach((exchange, index) => {
    const number = through + index + 1;
    messages.push(
      { role: 'user', content: earlierQuestionMessage(number, exchange.question, tag) },
      { role: 'assistant', content: earlierAnswerMessage(number, exchange.answer) },
    );
  });
  return messages;
}

/** Adds a question's usage to the session's. */
function addUsage(into: { total: UsageTotals; byModel: Record<string, UsageTotals> }, usage: RunUsage): void {
  addTotals(into.total, usage.total);
  for (const [model, totals] of Object.entries(usage.byModel)) {
    into.byModel[model] ??= emptyUsageTotals();
    addTotals(into.byModel[model], totals);
  }
}

function addTotals(into: UsageTotals, totals: UsageTotals): void {
  for (const key of Object.keys(into) as (keyof UsageTotals)[]) into[key] += totals[key];
}

import {
  type FailedSubCalls,
  LimitExceededError,
  RLMError,
  type RLMResult,
  RunAbortedError,
  type RunUsage,
  type Trajectory,
} from '@rlm/core';
import { EXIT_CODES } from '../exit-codes';
import { LIMIT_FLAGS } from '../output/cli-terms';

/** How one question of a chat ended, in the CLI's terms. */
export interface QuestionOutcome {
  /** It answered (a `--max-turns` fallback answer does not count: it is partial). */
  readonly answered: boolean;
  /** The answer, or the partial one, as printed (JSON text with `--schema`). */
  readonly answer?: string;
  readonly partial: boolean;
  /** As a one-shot run's: 0, 1, 3, 4, or 130 for Ctrl-C. */
  readonly exitCode: number;
  /** `answered`, `stopped by --max-cost`, `interrupted`, `failed`, … for the summary line. */
  readonly status: string;
  readonly limit?: LimitExceededError;
  readonly aborted: boolean;
  /** The turns ran out and the model was asked once more for its best answer. */
  readonly turnLimit: boolean;
  readonly trajectory?: Trajectory;
  readonly failedSubCalls?: FailedSubCalls;
  readonly someSubCallsFailed: boolean;
  readonly usage?: RunUsage;
}

/** Classifies a question's result or failure: a one-shot run (`runQuestion`) and each question of a chat. */
export function questionOutcome(
  result: RLMResult<unknown> | undefined,
  failure: unknown,
  typedAnswer: boolean,
): QuestionOutcome {
  const limit = LimitExceededError.isInstance(failure) ? failure : undefined;
  const aborted = RunAbortedError.isInstance(failure);
  // Every RLMError that ends a run carries its trajectory and its best answer so far.
  const ended = RLMError.isInstance(failure) ? failure : undefined;
  const turnLimit = result?.answerSource === 'max-turns-fallback';
  const answered = result !== undefined && !turnLimit;
  const resultAnswer =
    result === undefined
      ? undefined
      : typedAnswer
        ? JSON.stringify(result.answer, null, 2)
        : (result.answer as string);
  const answer = resultAnswer ?? ended?.partialAnswer;
  const trajectory = result?.trajectory ?? ended?.trajectory;
  const failedSubCalls = result?.failedSubCalls ?? trajectory?.failedSubCalls;
  const someSubCallsFailed = answered && (failedSubCalls?.count ?? 0) > 0;
  const exitCode = answered
    ? someSubCallsFailed
      ? EXIT_CODES.answeredWithFailedSubCalls
      : EXIT_CODES.answered
    : limit || turnLimit
      ? EXIT_CODES.limitReached
      : aborted
        ? EXIT_CODES.interrupted
        : EXIT_CODES.runtimeError;
  const status = answered
    ? someSubCallsFailed && failedSubCalls
      ? `answered, ${failedSubCalls.count} of ${failedSubCalls.total} sub-calls failed`
      : 'answered'
    : limit
      ? `stopped by ${LIMIT_FLAGS[limit.limit] ?? `a limit (${limit.limit})`}`
      : turnLimit
        ? 'stopped by --max-turns'
        : aborted
          ? 'interrupted'
          : 'failed';
  const usage = result?.usage ?? trajectory?.usage;
  return {
    answered,
    ...(answer === undefined ? {} : { answer }),
    partial: !answered && answer !== undefined,
    exitCode,
    status,
    ...(limit ? { limit } : {}),
    aborted,
    turnLimit,
    ...(trajectory ? { trajectory } : {}),
    ...(failedSubCalls ? { failedSubCalls } : {}),
    someSubCallsFailed,
    ...(usage ? { usage } : {}),
  };
}

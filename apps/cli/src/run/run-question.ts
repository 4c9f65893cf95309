import { resolve } from 'node:path';
import {
  createRLM,
  type FailedSubCalls,
  type LanguageModel,
  LimitExceededError,
  type ReplEnvironment,
  RLMError,
  type RLMResult,
  RunAbortedError,
  type Trajectory,
  writeTrajectoryJsonl,
} from '@rlm/core';
import type { CliIO } from '../cli-io';
import type { LoadedContext } from '../context/load-context';
import { EXIT_CODES } from '../exit-codes';
import type { CliSettings } from '../options/cli-settings';
import { explainError } from '../output/explain-error';
import { summaryLine, usageByModelLines } from '../output/run-report';
import type { ProgressReporter } from '../progress/progress-reporter';
import { createProgressState, type ProgressState } from '../progress/progress-state';

/** Everything one run needs, set up and checked. */
export interface RunQuestionOptions {
  readonly question: string;
  readonly context: LoadedContext;
  readonly model: LanguageModel;
  readonly subModel?: LanguageModel;
  readonly environment: ReplEnvironment;
  readonly settings: CliSettings;
  readonly io: CliIO;
  readonly createReporter: (state: ProgressState) => ProgressReporter;
}

/**
 * Runs the RLM with live progress, handles Ctrl-C (the first aborts the run through its signal,
 * which cancels the calls in flight; the second quits at once), prints the answer (or the partial
 * one) to stdout, the summary and any error to stderr, writes the trajectory, and returns the exit code.
 */
export async function runQuestion(options: RunQuestionOptions): Promise<number> {
  const { settings, io } = options;
  const say = (text: string) => io.stderr.write(`${text}\n`);
  const started = Date.now();
  const state = createProgressState(started, {
    ...(settings.maxCost === undefined ? {} : { maxCostUsd: settings.maxCost }),
    ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    ...(settings.maxSubCalls === undefined ? {} : { maxSubCalls: settings.maxSubCalls }),
    ...(settings.timeout === undefined ? {} : { timeoutMs: settings.timeout }),
  });
  const reporter = options.createReporter(state);

  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts === 1) {
      reporter.markStopping();
      controller.abort(new Error('interrupted with Ctrl-C'));
      return;
    }
    reporter.close();
    say('rlm: quit before the run had stopped.');
    process.exit(EXIT_CODES.interrupted);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  const rlm = createRLM({
    model: options.model,
    ...(options.subModel ? { subModel: options.subModel } : {}),
    environment: options.environment,
    limits: {
      ...(settings.maxDepth === undefined ? {} : { maxDepth: settings.maxDepth }),
      ...(settings.maxTurns === undefined ? {} : { maxTurns: settings.maxTurns }),
      ...(settings.maxSubCalls === undefined ? {} : { maxSubCalls: settings.maxSubCalls }),
      ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
      ...(settings.maxCost === undefined ? {} : { maxCostUsd: settings.maxCost }),
      ...(settings.timeout === undefined ? {} : { timeoutMs: settings.timeout }),
    },
    ...(settings.outputCap === undefined ? {} : { maxOutputChars: settings.outputCap }),
  });

  let result: RLMResult | undefined;
  let failure: unknown;
  try {
    result = await rlm.completion(options.question, {
      context: options.context.value,
      signal: controller.signal,
      onEvent: (event) => reporter.onEvent(event),
    });
  } catch (error) {
    failure = error;
  } finally {
    reporter.close();
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }

  const limit = LimitExceededError.isInstance(failure) ? failure : undefined;
  const aborted = RunAbortedError.isInstance(failure) ? failure : undefined;
  // Every RLMError that ends a run (a provider's, a sandbox's, a limit, an abort) carries what the
  // run had: its trajectory and its best answer so far.
  const ended = RLMError.isInstance(failure) ? failure : undefined;
  const partialAnswer = ended?.partialAnswer;
  const answer = result?.answer ?? partialAnswer;
  const trajectory: Trajectory | undefined = result?.trajectory ?? ended?.trajectory;
  const failedSubCalls: FailedSubCalls | undefined = result?.failedSubCalls ?? trajectory?.failedSubCalls;
  const someSubCallsFailed = result !== undefined && (failedSubCalls?.count ?? 0) > 0;
  let exitCode: number = result
    ? someSubCallsFailed
      ? EXIT_CODES.answeredWithFailedSubCalls
      : EXIT_CODES.answered
    : limit
      ? EXIT_CODES.limitReached
      : aborted
        ? EXIT_CODES.interrupted
        : EXIT_CODES.runtimeError;

  let trajectoryFile: string | undefined;
  if (settings.trajectory) {
    if (trajectory) {
      trajectoryFile = resolve(io.cwd, settings.trajectory);
      try {
        await writeTrajectoryJsonl(trajectoryFile, trajectory);
      } catch (error) {
        say(`rlm: could not write the trajectory to ${trajectoryFile}: ${(error as Error).message}`);
        trajectoryFile = undefined;
        if (exitCode === EXIT_CODES.answered || exitCode === EXIT_CODES.answeredWithFailedSubCalls) {
          exitCode = EXIT_CODES.runtimeError;
        }
      }
    } else
      say(`rlm: no trajectory written: the run failed before it recorded one (${(failure as Error)?.name}).`);
  }

  if (settings.json) {
    io.stdout.write(
      `${JSON.stringify({
        answer: answer ?? null,
        partial: !result && answer !== undefined,
        answerSource: result?.answerSource ?? null,
        turns: result?.turns ?? trajectory?.iterations.length ?? 0,
        durationMs: Math.round(result?.durationMs ?? Date.now() - started),
        costUsd: result?.costUsd ?? trajectory?.usage?.total.costUsd ?? state.costUsd,
        usage: result?.usage ?? trajectory?.usage ?? null,
        failedSubCalls: failedSubCalls ?? null,
        context: {
          documents: options.context.documents.length,
          characters: options.context.characters,
          approximateTokens: options.context.approximateTokens,
        },
        trajectoryFile: trajectoryFile ?? null,
        error: failure
          ? {
              name: (failure as Error).name,
              message: (failure as Error).message,
              ...(limit ? { limit: limit.limit } : {}),
            }
          : null,
        exitCode,
      })}\n`,
    );
  } else if (answer !== undefined) {
    io.stdout.write(answer.endsWith('\n') ? answer : `${answer}\n`);
  }

  if (limit || aborted) {
    const why = limit ? `stopped: ${limit.message}` : 'stopped by Ctrl-C.';
    say(
      partialAnswer !== undefined
        ? `rlm: ${why} The answer ${settings.json ? 'in the JSON' : 'on stdout'} is PARTIAL: the best the run had when it stopped.`
        : `rlm: ${why} There is no partial answer: the model had not replied yet.`,
    );
  } else if (failure) {
    say(`rlm: ${explainError(failure, settings)}`);
    if (settings.verbose && failure instanceof Error && failure.stack) say(failure.stack);
    if (partialAnswer !== undefined) {
      say(
        `rlm: the answer ${settings.json ? 'in the JSON' : 'on stdout'} is PARTIAL: the best the run had when it failed.`,
      );
    }
  }
  if (someSubCallsFailed && failedSubCalls) {
    say(
      `rlm: answered, ${failedSubCalls.count} of ${failedSubCalls.total} sub-call${failedSubCalls.total === 1 ? '' : 's'} failed` +
        ` (exit ${EXIT_CODES.answeredWithFailedSubCalls}): the model was told, but the answer may rest on missing pieces.`,
    );
    for (const reason of failedSubCalls.reasons.slice(0, 5)) say(`  ${reason.count}× ${reason.message}`);
    if (failedSubCalls.reasons.length > 5) say(`  … and ${failedSubCalls.reasons.length - 5} more reasons`);
  }
  if (result?.answerSource === 'max-turns-fallback') {
    say(
      'rlm: note: the turns ran out before the model called FINAL; the answer is its best guess from what it had seen.',
    );
  }

  if (!settings.quiet) {
    const usage = result?.usage ?? trajectory?.usage;
    say(
      summaryLine({
        status: result
          ? someSubCallsFailed && failedSubCalls
            ? `answered, ${failedSubCalls.count} of ${failedSubCalls.total} sub-calls failed`
            : 'answered'
          : limit
            ? `limit ${limit.limit} reached`
            : aborted
              ? 'interrupted'
              : 'failed',
        ...(result ? { turns: result.turns } : trajectory ? { turns: trajectory.iterations.length } : {}),
        durationMs: Date.now() - started,
        ...(usage ? { usage } : {}),
        subCalls: state.subCalls,
      }),
    );
    if (settings.verbose) for (const line of usageByModelLines(usage)) say(line);
    if (trajectoryFile) say(`rlm: trajectory written to ${trajectoryFile}`);
  }
  return exitCode;
}

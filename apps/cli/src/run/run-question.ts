import { resolve } from 'node:path';
import { format } from 'node:util';
import {
  createRLM,
  DEFAULT_INITIAL_CONCURRENCY,
  DEFAULT_MAX_CONCURRENCY,
  type EmbeddingModel,
  groupDigits,
  type LanguageModel,
  type LimitName,
  openTrajectoryJsonlWriter,
  type ReplEnvironment,
  type RLMResult,
  type TrajectoryJsonlWriter,
} from '@rlm/core';
import type { CliIO } from '../cli-io';
import type { LoadedContext } from '../context/load-context';
import { EXIT_CODES } from '../exit-codes';
import type { CliSettings, ToolName } from '../options/cli-settings';
import { createCliTools } from '../options/cli-tools';
import { inCliTerms, LIMIT_FLAGS } from '../output/cli-terms';
import { explainError } from '../output/explain-error';
import { summaryLine, usageByModelLines } from '../output/run-report';
import { formatCost, formatDuration, formatTokens } from '../progress/format-numbers';
import type { ProgressReporter } from '../progress/progress-reporter';
import { createProgressState, type ProgressState } from '../progress/progress-state';
import { cliLimits, cliRunSettings } from './cli-rlm-settings';
import { ConcurrencyMemory, concurrencyMemoryKey } from './concurrency-memory';
import { questionOutcome } from './question-outcome';
import type { ResumeChoice } from './resume-trajectory';

/** Everything one run needs, set up and checked. */
export interface RunQuestionOptions {
  readonly question: string;
  readonly context: LoadedContext;
  readonly model: LanguageModel;
  readonly subModel?: LanguageModel;
  readonly environment: ReplEnvironment;
  /** The tools the model gets (see `resolveCliTools`). Default: `grep` and `search`. */
  readonly tools?: readonly ToolName[];
  /** The embedding model of `retrieve`, when it is among {@link tools}. */
  readonly embeddingModel?: EmbeddingModel;
  readonly settings: CliSettings;
  /** The sub-call cache's folder, when `--cache` is on. */
  readonly cacheDirectory?: string;
  /**
   * The file where windows are remembered between runs (see ConcurrencyMemory); `undefined`: none
   * (a fixed `--concurrency`, `--no-concurrency-memory`).
   */
  readonly concurrencyMemoryFile?: string;
  /** The JSON Schema of `--schema`: the answer is validated data, printed as JSON. */
  readonly answerSchema?: object;
  readonly io: CliIO;
  readonly createReporter: (state: ProgressState) => ProgressReporter;
  /** `--resume FILE`: the recorded run to continue (checked against this one). */
  readonly resume?: ResumeChoice;
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
  // While the live display is up nothing may write to the terminal behind its back: Node's warnings
  // (a deprecation, a listener leak) go through the reporter, which prints them above the display.
  const warningListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (warning: Error) => reporter.note(`rlm: warning: ${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  // The same for libraries that write to the console themselves (the Anthropic SDK warns about a
  // deprecated model on every call): each distinct message once, through the reporter.
  const restoreConsole = routeConsoleTo((text) => reporter.note(`rlm: warning: ${text}`));

  const tools = createCliTools(options.tools ?? settings.tools, options.embeddingModel);
  if (settings.verbose) {
    const embedding = options.embeddingModel;
    reporter.note(
      `rlm: tools: ${tools.tools.map((tool) => tool.name).join(', ') || 'none'}${embedding ? ` (retrieve embeds with ${embedding.provider}:${embedding.modelId})` : ''}`,
    );
  }
  if (settings.verbose && options.cacheDirectory) reporter.note(`rlm: cache: ${options.cacheDirectory}`);
  // Sub-calls make the fan-out, so the sub-model's window is the one worth starting high.
  const fanOutModel = options.subModel ?? options.model;
  const memoryKey = (model: string) => concurrencyMemoryKey(model, settings.baseUrl);
  const memory =
    options.concurrencyMemoryFile === undefined
      ? undefined
      : await ConcurrencyMemory.open(options.concurrencyMemoryFile);
  const remembered = memory?.startFor(
    memoryKey(`${fanOutModel.provider}:${fanOutModel.modelId}`),
    DEFAULT_MAX_CONCURRENCY,
  );
  if (remembered !== undefined && remembered.window !== DEFAULT_INITIAL_CONCURRENCY && !settings.quiet) {
    reporter.note(
      `rlm: concurrency starts at ${remembered.window}, the window the run of ${formatDuration(remembered.ageMs)} ago reached with ${fanOutModel.provider}:${fanOutModel.modelId} on this server without a rate limit (--no-concurrency-memory starts at ${DEFAULT_INITIAL_CONCURRENCY}).`,
    );
  }
  const rlm = createRLM({
    model: options.model,
    ...(options.subModel ? { subModel: options.subModel } : {}),
    environment: options.environment,
    limits: cliLimits(settings),
    ...cliRunSettings(settings, options.cacheDirectory),
    ...(remembered === undefined ? {} : { concurrency: { initial: remembered.window } }),
    tools: tools.tools,
  });

  // The trajectory is written as the run goes, so a limit, Ctrl-C or a killed process leaves a file
  // that --resume continues from (resuming into the same file replaces it only once the run started).
  const writer: TrajectoryJsonlWriter | undefined = settings.trajectory
    ? await openTrajectoryJsonlWriter(resolve(io.cwd, settings.trajectory))
    : undefined;
  const { resume } = options;
  if (resume && !settings.quiet) {
    const recorded = resume.trajectory.modelCalls?.length ?? 0;
    reporter.note(
      `rlm: resuming ${resume.path}: ${recorded} recorded model answer${recorded === 1 ? '' : 's'} replay (no request sent), then the run goes on.`,
    );
  }

  let result: RLMResult<unknown> | undefined;
  let failure: unknown;
  try {
    const runOptions = {
      context: options.context.value,
      signal: controller.signal,
      onEvent: (event: Parameters<ProgressReporter['onEvent']>[0]) => {
        memory?.observe(event);
        reporter.onEvent(event);
      },
      ...(writer ? { trajectoryWriter: writer } : {}),
      ...(options.answerSchema ? { schema: options.answerSchema } : {}),
    };
    result = resume
      ? await rlm.resume(resume.trajectory, { ...runOptions, question: options.question })
      : await rlm.completion(options.question, runOptions);
  } catch (error) {
    failure = error;
  } finally {
    reporter.close();
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
    process.removeListener('warning', onWarning);
    for (const listener of warningListeners) process.on('warning', listener);
    restoreConsole();
    await tools.dispose();
  }
  await memory?.save(memoryKey);

  // The same classification as each question of a chat: answered, partial, exit code.
  const outcome = questionOutcome(result, failure, options.answerSchema !== undefined);
  const {
    limit,
    aborted,
    turnLimit,
    answered,
    answer,
    partial,
    trajectory,
    failedSubCalls,
    someSubCallsFailed,
  } = outcome;
  // The turns ran out (the model's best guess when asked once more), or the run failed with a best answer.
  const partialAnswer = answered ? undefined : answer;
  let exitCode: number = outcome.exitCode;

  let trajectoryFile: string | undefined;
  if (writer) {
    if (writer.failure) {
      say(`rlm: could not write the trajectory to ${writer.path}: ${writer.failure.message}`);
      if (exitCode === EXIT_CODES.answered || exitCode === EXIT_CODES.answeredWithFailedSubCalls) {
        exitCode = EXIT_CODES.runtimeError;
      }
    } else if (writer.started) trajectoryFile = writer.path;
    else
      say(`rlm: no trajectory written: the run failed before it recorded one (${(failure as Error)?.name}).`);
  }
  const replayed = (result?.usage ?? trajectory?.usage)?.total.replayedCalls ?? 0;
  if (resume && !settings.quiet) {
    const unused = result?.resumed?.unusedCalls;
    say(
      `rlm: resumed: ${replayed} model call${replayed === 1 ? '' : 's'} replayed from ${resume.path}` +
        (unused
          ? `; ${unused} recorded answer${unused === 1 ? ' was' : 's were'} not asked for again (the run took another path)`
          : ''),
    );
  }

  // What the run spent by its own count: the live state sees model calls only, not retrieve's
  // embedding calls, which count against --max-tokens and --max-cost too.
  const runTotal = (result?.usage ?? trajectory?.usage)?.total;
  const spent = {
    tokens: runTotal ? runTotal.inputTokens + runTotal.outputTokens : state.inputTokens + state.outputTokens,
    costUsd: runTotal?.costUsd ?? state.costUsd,
  };
  const stop = limit
    ? describeLimitStop(limit.limit, limit.limitValue, limit.message, state, started, spent)
    : turnLimit
      ? describeLimitStop('maxTurns', result?.turns ?? 0, '', state, started, spent)
      : aborted
        ? `stopped by Ctrl-C after ${formatDuration(Date.now() - started)}${cancelledNote(state)}`
        : undefined;
  const costUsd = result?.costUsd ?? trajectory?.usage?.total.costUsd ?? state.costUsd;

  if (settings.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          answer: options.answerSchema && result ? result.answer : (answer ?? null),
          partial,
          answerSource: result?.answerSource ?? null,
          turns: result?.turns ?? trajectory?.iterations.length ?? 0,
          durationMs: Math.round(result?.durationMs ?? Date.now() - started),
          costUsd,
          usage: result?.usage ?? trajectory?.usage ?? null,
          failedSubCalls: failedSubCalls ?? null,
          context: {
            documents: options.context.documents.length,
            characters: options.context.characters,
            approximateTokens: options.context.approximateTokens,
          },
          trajectoryFile: trajectoryFile ?? null,
          ...(resume
            ? {
                resumed: {
                  from: resume.path,
                  recordedCalls: resume.trajectory.modelCalls?.length ?? 0,
                  replayedCalls: replayed,
                },
              }
            : {}),
          error: failure
            ? {
                name: (failure as Error).name,
                message: inCliTerms((failure as Error).message),
                ...(limit ? { limit: limit.limit } : {}),
              }
            : turnLimit
              ? { name: 'LimitExceededError', message: `${stop}.`, limit: 'maxTurns' }
              : null,
          exitCode,
        },
        roundCosts,
      )}\n`,
    );
  } else if (answer !== undefined) {
    io.stdout.write(answer.endsWith('\n') ? answer : `${answer}\n`);
  }

  const where = settings.json ? 'in the JSON' : 'on stdout';
  if (stop) {
    say(
      turnLimit
        ? `rlm: ${stop}. The answer ${where} is PARTIAL: the model's best guess from what it had seen when asked once more.`
        : partialAnswer !== undefined
          ? `rlm: ${stop}. The answer ${where} is PARTIAL: the best the run had when it stopped.`
          : `rlm: ${stop}. There is no partial answer: the model had not given one yet.`,
    );
  } else if (failure) {
    say(`rlm: ${explainError(failure, settings)}`);
    if (settings.verbose && failure instanceof Error && failure.stack) say(failure.stack);
    say(
      partialAnswer !== undefined
        ? `rlm: the answer ${where} is PARTIAL: the best the run had when it failed.`
        : 'rlm: there is no partial answer: the model had not given one yet.',
    );
  }
  if (someSubCallsFailed && failedSubCalls) {
    say(
      `rlm: answered, ${failedSubCalls.count} of ${failedSubCalls.total} sub-call${failedSubCalls.total === 1 ? '' : 's'} failed` +
        ` (exit ${EXIT_CODES.answeredWithFailedSubCalls}): the model was told, but the answer may rest on missing pieces.`,
    );
    for (const reason of failedSubCalls.reasons.slice(0, 5))
      say(`  ${reason.count}× ${inCliTerms(reason.message)}`);
    if (failedSubCalls.reasons.length > 5) say(`  … and ${failedSubCalls.reasons.length - 5} more reasons`);
  }

  if (!settings.quiet) {
    const usage = result?.usage ?? trajectory?.usage;
    say(
      summaryLine({
        status: answered
          ? someSubCallsFailed && failedSubCalls
            ? `answered, ${failedSubCalls.count} of ${failedSubCalls.total} sub-calls failed`
            : 'answered'
          : turnLimit
            ? 'stopped by --max-turns'
            : limit
              ? limit.limit === 'maxConsecutiveErrors'
                ? `stopped after ${limit.limitValue} failed turns in a row`
                : `stopped by ${LIMIT_FLAGS[limit.limit] ?? `a limit (${limit.limit})`}`
              : aborted
                ? 'interrupted'
                : 'failed',
        ...(result ? { turns: result.turns } : trajectory ? { turns: trajectory.iterations.length } : {}),
        durationMs: Date.now() - started,
        ...(usage ? { usage } : {}),
        subCalls: state.subCalls,
        subCallsFailed: state.subCallsFailed,
        subCallsCancelled: state.subCallsCancelled,
        cacheOn: options.cacheDirectory !== undefined,
        ...(options.embeddingModel
          ? { embeddingModel: `${options.embeddingModel.provider}:${options.embeddingModel.modelId}` }
          : {}),
      }),
    );
    if (settings.verbose) for (const line of usageByModelLines(usage)) say(line);
    if (trajectoryFile) say(`rlm: trajectory written to ${trajectoryFile}`);
  }
  return exitCode;
}

/** "stopped by --timeout 1.0s after 1.0s; 184 sub-calls cancelled": one line for a limit's stop, in flags. */
function describeLimitStop(
  limit: LimitName,
  limitValue: number,
  message: string,
  state: ProgressState,
  started: number,
  spent: { readonly tokens: number; readonly costUsd: number },
): string {
  const elapsed = formatDuration(Date.now() - started);
  const cancelled = cancelledNote(state);
  switch (limit) {
    case 'timeoutMs':
      return `stopped by --timeout ${formatDuration(limitValue)} after ${elapsed}${cancelled}`;
    case 'maxCostUsd':
      return `stopped by --max-cost ${formatCost(limitValue)} after ${formatCost(spent.costUsd)} was spent (${elapsed})${cancelled}`;
    case 'maxTokens':
      return `stopped by --max-tokens ${groupDigits(limitValue)} after ${formatTokens(spent.tokens)} tokens (${elapsed})${cancelled}`;
    case 'maxTurns':
      return `stopped by --max-turns ${limitValue}: the turns ran out before the model called FINAL${cancelled}`;
    default:
      return `stopped: ${inCliTerms(message).replace(/\.$/, '')}${cancelled}`;
  }
}

function cancelledNote(state: ProgressState): string {
  const count = state.subCallsCancelled;
  return count === 0 ? '' : `; ${count} sub-call${count === 1 ? '' : 's'} in flight or queued cancelled`;
}

/** `JSON.stringify` replacer: costs without float noise (0.007643999999999998 → 0.007644). */
function roundCosts(key: string, value: unknown): unknown {
  return key === 'costUsd' && typeof value === 'number' ? Math.round(value * 1e9) / 1e9 : value;
}

/** Sends what anything writes with `console.*` to `note` (each distinct text once) until the returned function restores the console. */
export function routeConsoleTo(note: (text: string) => void): () => void {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = methods.map((method) => console[method]);
  const seen = new Set<string>();
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      const text = format(...args).trimEnd();
      if (text === '' || seen.has(text)) return;
      seen.add(text);
      note(text);
    };
  }
  return () => {
    methods.forEach((method, index) => {
      console[method] = originals[index]!;
    });
  };
}

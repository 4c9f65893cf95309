import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, type RLMResult, type RLMSession, trajectoryToJsonl } from '@rlm/core';
import type { CliIO } from '../cli-io';
import { describeLoadedContext } from '../context/describe-loaded-context';
import type { LoadedContext } from '../context/load-context';
import { EXIT_CODES } from '../exit-codes';
import type { CliSettings } from '../options/cli-settings';
import { inCliTerms } from '../output/cli-terms';
import { explainError } from '../output/explain-error';
import { summaryLine } from '../output/run-report';
import type { ProgressReporter } from '../progress/progress-reporter';
import { createProgressState, type ProgressState } from '../progress/progress-state';
import { questionOutcome } from '../run/question-outcome';
import { routeConsoleTo } from '../run/run-question';
import { chatCommandHelp } from './chat-usage';

/** What `rlm chat` needs to answer questions and run `/`-commands. */
export interface ChatSessionOptions {
  readonly session: RLMSession;
  readonly settings: CliSettings;
  readonly io: CliIO;
  /** Whether `context` is bound already (`--context` given): later contexts are then `context_1`, …. */
  readonly hasContext: boolean;
  /** Loads paths as `--context` does. */
  readonly loadContext: (paths: readonly string[]) => Promise<LoadedContext>;
  readonly createReporter: (state: ProgressState) => ProgressReporter;
  readonly cacheDirectory?: string;
  readonly answerSchema?: object;
}

/** What a `/`-command asks of the loop that read it. */
export type CommandOutcome = 'exit' | 'done';

/**
 * One `rlm chat`: asks each question in the RLM session with its own progress display, prints its
 * answer on stdout (or one JSON line with `--json`) and the rest on stderr, runs the `/`-commands,
 * and keeps the exit code: the first question (or command) that did not answer sets it.
 */
export class ChatSession {
  private questions = 0;
  private failedQuestions = 0;
  private subCalls = 0;
  private contextsBound: number;
  private pendingContext: { readonly loaded: LoadedContext; readonly name: string } | undefined;
  private firstFailure: number | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly options: ChatSessionOptions) {
    this.contextsBound = options.hasContext ? 1 : 0;
  }

  get io(): CliIO {
    return this.options.io;
  }

  /** 0 when every question answered; else the exit code of the first that did not (see `rlm chat --help`). */
  get exitCode(): number {
    return this.firstFailure ?? EXIT_CODES.answered;
  }

  /** Prints a line on stderr. */
  say(text: string): void {
    this.options.io.stderr.write(`${text}\n`);
  }

  /** Whether the line is a `/`-command rather than a question. */
  static isCommand(line: string): boolean {
    return /^\/[a-z]/i.test(line.trim());
  }

  /** Asks one question (a line that starts with `//` asks it with one `/`); returns its exit code (also recorded for the chat's). */
  async ask(line: string, signal?: AbortSignal): Promise<number> {
    const question = line.startsWith('//') ? line.slice(1) : line;
    const { settings, io, session } = this.options;
    const started = Date.now();
    // The display measures the question against what the session has left of its caps.
    const spent = session.usage.total;
    const state = createProgressState(started, {
      ...(settings.maxCost === undefined
        ? {}
        : { maxCostUsd: Math.max(0, settings.maxCost - spent.costUsd) }),
      ...(settings.maxTokens === undefined
        ? {}
        : { maxTokens: Math.max(0, settings.maxTokens - spent.inputTokens - spent.outputTokens) }),
      ...(settings.maxSubCalls === undefined
        ? {}
        : { maxSubCalls: Math.max(0, settings.maxSubCalls - this.subCalls) }),
      ...(settings.timeout === undefined ? {} : { timeoutMs: settings.timeout }),
    });
    const reporter = this.options.createReporter(state);
    const added = this.pendingContext;
    this.pendingContext = undefined;
    this.questions += 1;
    // Libraries that write to the console (a provider SDK's deprecation warning) must not break the
    // live display: their text goes through the reporter, each distinct message once.
    const restoreConsole = routeConsoleTo((text) => reporter.note(`rlm: warning: ${text}`));
    const markStopping = () => reporter.markStopping();
    signal?.addEventListener('abort', markStopping, { once: true });
    let result: RLMResult<unknown> | undefined;
    let failure: unknown;
    try {
      result = await session.completion(question, {
        ...(signal ? { signal } : {}),
        onEvent: (event) => reporter.onEvent(event),
        ...(added ? { context: added.loaded.value } : {}),
        ...(this.options.answerSchema ? { schema: this.options.answerSchema } : {}),
      });
    } catch (error) {
      failure = error;
    } finally {
      signal?.removeEventListener('abort', markStopping);
      reporter.close();
      restoreConsole();
    }
    if (added) this.contextsBound += 1;
    this.subCalls += state.subCalls;

    const outcome = questionOutcome(result, failure, this.options.answerSchema !== undefined);
    const { answer, exitCode, limit, failedSubCalls, trajectory, usage } = outcome;
    if (!outcome.answered) this.failedQuestions += 1;
    // A question stopped with Ctrl-C was the user's choice, not a failure of the chat.
    if (exitCode !== EXIT_CODES.answered && exitCode !== EXIT_CODES.interrupted)
      this.firstFailure ??= exitCode;

    if (settings.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            question,
            answer: this.options.answerSchema && result ? result.answer : (answer ?? null),
            partial: outcome.partial,
            answerSource: result?.answerSource ?? null,
            turns: result?.turns ?? trajectory?.iterations.length ?? 0,
            durationMs: Math.round(result?.durationMs ?? Date.now() - started),
            costUsd: usage?.total.costUsd ?? state.costUsd,
            usage: usage ?? null,
            failedSubCalls: failedSubCalls ?? null,
            ...(added ? { contextAdded: added.name } : {}),
            error: failure
              ? {
                  name: (failure as Error).name,
                  message: inCliTerms((failure as Error).message),
                  ...(limit ? { limit: limit.limit } : {}),
                }
              : outcome.turnLimit
                ? {
                    name: 'LimitExceededError',
                    message: 'The turns ran out before FINAL.',
                    limit: 'maxTurns',
                  }
                : null,
            exitCode,
          },
          roundCosts,
        )}\n`,
      );
    } else if (answer !== undefined) {
      io.stdout.write(answer.endsWith('\n') ? answer : `${answer}\n`);
    }

    const partialNote = outcome.partial
      ? ` The answer ${settings.json ? 'in the JSON' : 'on stdout'} is PARTIAL: the best the question had.`
      : '';
    if (outcome.aborted) {
      this.say(`rlm: question stopped by Ctrl-C.${partialNote} The session goes on: its variables are kept.`);
    } else if (outcome.turnLimit) {
      this.say(`rlm: stopped by --max-turns: the turns ran out before FINAL.${partialNote}`);
    } else if (limit) {
      this.say(`rlm: ${inCliTerms(limit.message)}${partialNote}`);
    } else if (failure) {
      this.say(`rlm: ${explainError(failure, settings)}${partialNote}`);
      if (settings.verbose && failure instanceof Error && failure.stack) this.say(failure.stack);
    }
    if (outcome.someSubCallsFailed && failedSubCalls) {
      this.say(
        `rlm: answered, ${failedSubCalls.count} of ${failedSubCalls.total} sub-calls failed: the model was told, but the answer may rest on missing pieces.`,
      );
    }
    if (!settings.quiet) {
      this.say(
        summaryLine({
          status: outcome.status,
          ...(result ? { turns: result.turns } : trajectory ? { turns: trajectory.iterations.length } : {}),
          durationMs: Date.now() - started,
          ...(usage ? { usage } : {}),
          subCalls: state.subCalls,
          subCallsFailed: state.subCallsFailed,
          subCallsCancelled: state.subCallsCancelled,
          cacheOn: this.options.cacheDirectory !== undefined,
        }),
      );
    }
    if (settings.trajectory) {
      await this.save(settings.trajectory, false).catch((error: unknown) => {
        this.say(`rlm: --trajectory: ${(error as Error).message}`);
        this.firstFailure ??= EXIT_CODES.runtimeError;
      });
    }
    return exitCode;
  }

  /** Runs a `/`-command line. A command that fails says why on stderr and counts as a usage error. */
  async command(line: string): Promise<CommandOutcome> {
    const [name = '', ...rest] = line.trim().split(/\s+/);
    const argument = line.trim().slice(name.length).trim();
    try {
      switch (name.toLowerCase()) {
        case '/exit':
        case '/quit':
          return 'exit';
        case '/help':
          this.options.io.stderr.write(chatCommandHelp());
          return 'done';
        case '/cost':
          this.say(this.costLine());
          return 'done';
        case '/save':
          if (argument === '') throw commandError('/save needs a file name, e.g. /save chat.jsonl');
          await this.save(argument, true);
          return 'done';
        case '/context': {
          const [action, ...paths] = rest;
          if (action !== 'add' || paths.length === 0)
            throw commandError('/context needs add and a path, e.g. /context add notes/ (see /help).');
          await this.addContext(paths);
          return 'done';
        }
        default:
          throw commandError(
            `Unknown command ${name}. Commands: /context add PATH, /cost, /save FILE, /help, /exit.`,
          );
      }
    } catch (error) {
      this.say(`rlm: ${explainError(error, this.options.settings)}`);
      this.firstFailure ??= EXIT_CODES.usageError;
      return 'done';
    }
  }

  /** `rlm: session: 2 questions · 1m 3s · 4 sub-calls · tokens … · $0.0123`. */
  costLine(): string {
    const failed = this.failedQuestions > 0 ? ` (${this.failedQuestions} not answered)` : '';
    return summaryLine({
      status: `session: ${this.questions} question${this.questions === 1 ? '' : 's'}${failed}`,
      durationMs: Date.now() - this.startedAt,
      usage: this.options.session.usage,
      subCalls: this.subCalls,
      cacheOn: this.options.cacheDirectory !== undefined,
    });
  }

  private async addContext(paths: readonly string[]): Promise<void> {
    const loaded = await this.options.loadContext(paths);
    const name = this.contextsBound === 0 ? 'context' : `context_${this.contextsBound}`;
    const replaced = this.pendingContext;
    this.pendingContext = { loaded, name };
    this.say(
      `${describeLoadedContext(loaded, this.options.settings.verbose === true)}; the next question gets it as ${name}` +
        (replaced ? ` (it replaces the one added before, not yet asked about)` : ''),
    );
  }

  /** Writes every question's trajectory so far, in order, as JSONL (one trajectory after another). */
  private async save(file: string, announce: boolean): Promise<void> {
    const path = resolve(this.options.io.cwd, file);
    const trajectories = this.options.session.trajectories;
    try {
      await writeFile(path, trajectories.map((trajectory) => trajectoryToJsonl(trajectory)).join(''), 'utf8');
    } catch (error) {
      throw commandError(`Could not write ${path}: ${(error as Error).message}`);
    }
    if (announce)
      this.say(
        `rlm: saved ${trajectories.length} question${trajectories.length === 1 ? '' : 's'}' trajectories to ${path}`,
      );
  }
}

/** A command's own error: its message is all the user needs (no "unexpected error" framing). */
function commandError(message: string): InvalidArgumentError {
  return new InvalidArgumentError({ argument: 'command', message });
}

/** `JSON.stringify` replacer: costs without float noise. */
function roundCosts(key: string, value: unknown): unknown {
  return key === 'costUsd' && typeof value === 'number' ? Math.round(value * 1e9) / 1e9 : value;
}

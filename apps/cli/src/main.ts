import { resolve } from 'node:path';
import { InvalidArgumentError, SandboxError } from '@rlm/core';
import packageJson from '../package.json' with { type: 'json' };
import { isCacheCommand, runCacheCommand } from './cache/cache-command';
import { cacheDirectoryOf, concurrencyMemoryFile } from './cache/default-cache-directory';
import { isChatCommand, runChatCommand } from './chat/chat-command';
import { type CliIO, processIO } from './cli-io';
import { describeLoadedContext } from './context/describe-loaded-context';

import { type LoadedContext, loadContext } from './context/load-context';
import { withDeferredSessions } from './environments/deferred-session-environment';
import { hasNodeFlag, NO_NODE_SNAPSHOT, relaunchWithNodeFlag } from './environments/relaunch-with-node-flag';
import { EXIT_CODES } from './exit-codes';
import { isMcpCommand, runMcpCommand } from './mcp/mcp-command';
import type { CliSettings } from './options/cli-settings';
import { readConfigFiles } from './options/config-files';
import { helpText } from './options/help-text';
import { type CommandLine, parseCommandLine } from './options/parse-command-line';
import { readAnswerSchema } from './options/read-answer-schema';
import { resolveCliSettings } from './options/resolve-cli-settings';
import { explainError } from './output/explain-error';
import { createReporter } from './progress/create-reporter';
import { checkBaseUrl, checkCacheDirectory, checkTrajectoryPath } from './run/check-run-settings';
import { chooseResume, type ResumeChoice, readResumeTrajectory } from './run/resume-trajectory';
import { runQuestion } from './run/run-question';
import { startRunParts } from './run/start-run-parts';
import { isViewCommand } from './view/is-view-command';

/** The real process's IO; only with it may `main` relaunch the process. */
const defaultIO = processIO();

/**
 * The `rlm` command. Returns the exit code (see {@link EXIT_CODES}); never throws. The answer goes
 * to stdout, everything else to stderr.
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  io: CliIO = defaultIO,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let commandLine: CommandLine | undefined;
  let settings: CliSettings = {};
  try {
    if (argv.length === 0) {
      io.stderr.write(shortUsage());
      return EXIT_CODES.usageError;
    }
    if (isCacheCommand(argv)) return await runCacheCommand(argv, io);
    if (isChatCommand(argv)) return await runChatCommand(argv.slice(1), io, io === defaultIO);
    if (isMcpCommand(argv)) return await runMcpCommand(argv.slice(1), io, io === defaultIO);
    // The viewer (and node:http under it) loads only for the commands that open it.
    if (isViewCommand(argv))
      return await (await import('./view/view-command')).runViewCommand(argv.slice(1), io);
    commandLine = parseCommandLine(argv);
    if (commandLine.help) {
      io.stdout.write(helpText());
      return EXIT_CODES.answered;
    }
    if (commandLine.version) {
      io.stdout.write(`${packageJson.version}\n`);
      return EXIT_CODES.answered;
    }
    const resolved = resolveCliSettings(
      commandLine.flags,
      io.environment,
      readConfigFiles(io.cwd, io.environment),
    );
    settings = resolved.settings;
    if (settings.verbose) {
      for (const [key, origin] of Object.entries(resolved.origins))
        say(`rlm: ${key} = ${JSON.stringify(settings[key as keyof CliSettings])} (from ${origin})`);
    }
    if (
      settings.env === 'isolated-vm' &&
      !hasNodeFlag(NO_NODE_SNAPSHOT, io.environment) &&
      io === defaultIO
    ) {
      return await relaunchWithNodeFlag(NO_NODE_SNAPSHOT, argv);
    }
    const question = commandLine.question?.trim();
    // --resume continues a recorded run: its question is the default, and its file the trajectory's.
    const resumeFile = commandLine.resume;
    const recorded = resumeFile === undefined ? undefined : await readResumeTrajectory(resumeFile, io.cwd);
    if (!question && !recorded) {
      const taken = commandLine.optionalValueTaken;
      throw new InvalidArgumentError({
        argument: 'question',
        message:
          'No question given. Usage: rlm "QUESTION" --context PATH --model PROVIDER:MODEL (see rlm --help).' +
          (taken
            ? ` (${taken.flag} took '${taken.value}' as its folder: put ${taken.flag} after the question, or write ${taken.flag}=DIR.)`
            : ''),
      });
    }
    // Every path, URL and option is checked here, before the context is read or anything is sent.
    if (settings.baseUrl !== undefined)
      checkBaseUrl(settings.baseUrl, resolved.origins.baseUrl ?? '--base-url');
    if (resumeFile !== undefined && settings.trajectory === undefined)
      settings = { ...settings, trajectory: resumeFile };
    if (settings.trajectory !== undefined) checkTrajectoryPath(resolve(io.cwd, settings.trajectory));
    // --view: the page is up before the context loads, and the run writes the trajectory it shows at the end.
    const liveView = settings.view
      ? await (await import('./view/live-view')).startLiveView(settings, io, question || 'resumed run')
      : undefined;
    if (liveView) settings = liveView.settings;
    const cacheDirectory = cacheDirectoryOf(settings.cache, resolved.origins.cache, io.environment, io.cwd);
    if (cacheDirectory !== undefined) checkCacheDirectory(cacheDirectory);
    // The provider SDKs and the sandbox load while the context is read.
    const { toolChoice, loading: pending } = startRunParts(settings, resolved.origins, io.environment, say);
    let context: LoadedContext;
    try {
      context = await loadContext(commandLine.context, {
        cwd: io.cwd,
        // Reached only when stdin is read: the stream is then made (see processIO).
        stdin: { [Symbol.asyncIterator]: () => io.stdin[Symbol.asyncIterator]() },
        stdinKind: io.stdinKind ?? 'none',
        exclude: commandLine.exclude,
        onWaitForTerminal: () =>
          say(
            'rlm: reading the context from stdin: type or paste it, then press Ctrl-D (or pass --context PATH, or pipe it in).',
          ),
      });
    } catch (error) {
      const positional = commandLine.positionalPaths.find((path) =>
        (error as Error).message.includes(`'${path}'`),
      );
      if (InvalidArgumentError.isInstance(error) && positional !== undefined) {
        error.message += ` ('${positional}' came after the question: if it is part of the question, put the whole question in quotes.)`;
      }
      throw error;
    }
    if (!settings.quiet) say(describeLoadedContext(context, settings.verbose === true));
    if (context.notUtf8Skipped.length > 0) {
      const files = context.notUtf8Skipped;
      say(
        `rlm: warning: skipped ${files.length} file${files.length === 1 ? '' : 's'} that ${files.length === 1 ? 'is' : 'are'} not UTF-8 text: ${files.slice(0, 10).join(', ')}${files.length > 10 ? `, … (${files.length - 10} more)` : ''}. ` +
          'Convert them (iconv -f latin1 -t utf-8 FILE > FILE.utf8) to include them, or --exclude them to silence this.',
      );
    }
    const answerSchema =
      settings.schema === undefined ? undefined : await readAnswerSchema(settings.schema, io.cwd);
    const [model, subModel, embeddingModel, sandbox] = await pending;
    const environment = withDeferredSessions(sandbox);
    let resume: ResumeChoice | undefined;
    if (resumeFile !== undefined && recorded) {
      resume = await chooseResume(resumeFile, recorded, {
        cwd: io.cwd,
        question,
        context: context.value,
        environment,
        rootModel: `${model.provider}:${model.modelId}`,
      }).catch(async (error: unknown) => {
        await environment.dispose?.().catch(() => undefined);
        throw error;
      });
      for (const note of resume.notes) say(`rlm: note: ${note}`);
    }

    try {
      const exitCode = await runQuestion({
        question: resume?.question ?? question!,
        ...(resume ? { resume } : {}),
        context,
        model,
        ...(subModel ? { subModel } : {}),
        environment,
        tools: toolChoice.names,
        ...(embeddingModel ? { embeddingModel } : {}),
        settings,
        ...(cacheDirectory === undefined ? {} : { cacheDirectory }),
        ...(settings.concurrency === undefined && !settings.noConcurrencyMemory
          ? { concurrencyMemoryFile: concurrencyMemoryFile(io.environment) }
          : {}),
        ...(answerSchema ? { answerSchema } : {}),
        io,
        createReporter: (state) =>
          liveView
            ? liveView.reporter(createReporter(settings, io, state))
            : createReporter(settings, io, state),
      });
      await liveView?.finishAndServe();
      return exitCode;
    } finally {
      // The CLI made the environment, so it ends it: worker threads, a spare Deno process.
      await environment.dispose?.().catch(() => undefined);
    }
  } catch (error) {
    // Everything here happened before anything was sent: a wrong option, context, model, key or package.
    const usage = InvalidArgumentError.isInstance(error) || SandboxError.isInstance(error);
    say(`rlm: ${explainError(error, settings)}`);
    if (settings.verbose && error instanceof Error && error.stack) say(error.stack);
    const code = usage ? EXIT_CODES.usageError : EXIT_CODES.runtimeError;
    if (settings.json)
      io.stdout.write(
        `${JSON.stringify({ answer: null, partial: false, error: describe(error), exitCode: code })}\n`,
      );
    return code;
  }
}

/** What plain `rlm` prints: enough to start, and where to read more. */
function shortUsage(): string {
  return `Usage: rlm "QUESTION" --context PATH... --model PROVIDER:MODEL [options]
       cat FILE | rlm "QUESTION" --model PROVIDER:MODEL
       rlm chat --context PATH... --model PROVIDER:MODEL   (several questions, one REPL)
       rlm mcp --root DIR... --model PROVIDER:MODEL        (an MCP server for coding agents)
       rlm view FILE.jsonl                                 (a run's trajectory, in the browser)

Ask a question of any amount of text (files, folders, globs, stdin) with a Recursive Language Model.
  rlm "Which modules call the payment API?" --context ./src --model openai:gpt-5.5
  rlm "What are the main themes?" --context notes/ --base-url http://localhost:11434/v1 --model openai:qwen3-coder

Keys: OPENAI_API_KEY, ANTHROPIC_API_KEY, or RLM_API_KEY for a --base-url server.
Every option, config files and exit codes: rlm --help
`;
}

function describe(error: unknown): { name: string; message: string } {
  return { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) };
}

import { resolve } from 'node:path';
import { createRLM, InvalidArgumentError, SandboxError } from '@rlm/core';
import { cacheDirectoryOf } from '../cache/default-cache-directory';
import type { CliIO } from '../cli-io';
import { describeLoadedContext } from '../context/describe-loaded-context';
import { type LoadedContext, loadContext } from '../context/load-context';
import { withDeferredSessions } from '../environments/deferred-session-environment';
import { hasNodeFlag, NO_NODE_SNAPSHOT, relaunchWithNodeFlag } from '../environments/relaunch-with-node-flag';
import { EXIT_CODES } from '../exit-codes';
import type { CliSettings } from '../options/cli-settings';
import { createCliTools } from '../options/cli-tools';
import { readConfigFiles } from '../options/config-files';
import { parseCommandLine } from '../options/parse-command-line';
import { readAnswerSchema } from '../options/read-answer-schema';
import { resolveCliSettings } from '../options/resolve-cli-settings';
import { explainError } from '../output/explain-error';
import { createReporter } from '../progress/create-reporter';
import { checkBaseUrl, checkCacheDirectory, checkTrajectoryPath } from '../run/check-run-settings';
import { cliLimits, cliRunSettings } from '../run/cli-rlm-settings';
import { startRunParts } from '../run/start-run-parts';
import { ChatSession } from './chat-session';
import { chatUsage } from './chat-usage';
import { runPipedChat } from './piped-chat';
import { runTerminalChat } from './terminal-chat';

/** Whether `argv` is an `rlm chat …` command rather than a question. */
export function isChatCommand(argv: readonly string[]): boolean {
  return argv[0] === 'chat';
}

/**
 * `rlm chat [--context PATH...] [options]`: one RLM session over the context, questions read line by
 * line from stdin (piped) or at a prompt (a terminal). Returns the exit code; never throws.
 */
export async function runChatCommand(
  argv: readonly string[],
  io: CliIO,
  mayRelaunch: boolean,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let settings: CliSettings = {};
  try {
    const commandLine = parseCommandLine(argv);
    if (commandLine.help) {
      io.stdout.write(chatUsage());
      return EXIT_CODES.answered;
    }
    if (commandLine.resume !== undefined) {
      throw new InvalidArgumentError({
        argument: 'resume',
        message: '--resume continues a one-question run; rlm chat cannot resume. Ask the questions again.',
      });
    }
    // No question on the command line: every positional argument is a context path.
    const contextPaths = [
      ...commandLine.context,
      ...(commandLine.question === undefined ? [] : [commandLine.question]),
    ];
    if (contextPaths.includes('-')) {
      throw new InvalidArgumentError({
        argument: 'context',
        message:
          'rlm chat reads its questions from stdin, so stdin cannot be the context too. Save the text to a file and pass --context FILE.',
      });
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
    if (settings.env === 'isolated-vm' && !hasNodeFlag(NO_NODE_SNAPSHOT, io.environment) && mayRelaunch) {
      return await relaunchWithNodeFlag(NO_NODE_SNAPSHOT, ['chat', ...argv]);
    }
    if (settings.baseUrl !== undefined)
      checkBaseUrl(settings.baseUrl, resolved.origins.baseUrl ?? '--base-url');
    if (settings.trajectory !== undefined) checkTrajectoryPath(resolve(io.cwd, settings.trajectory));
    const cacheDirectory = cacheDirectoryOf(settings.cache, resolved.origins.cache, io.environment, io.cwd);
    if (cacheDirectory !== undefined) checkCacheDirectory(cacheDirectory);
    const { toolChoice, loading: pending } = startRunParts(settings, resolved.origins, io.environment, say);
    const exclude = commandLine.exclude;
    const load = (paths: readonly string[]) =>
      loadContext(paths, { cwd: io.cwd, stdin: emptySource(), stdinKind: 'none', exclude });
    let context: LoadedContext | undefined;
    if (contextPaths.length > 0) {
      context = await load(contextPaths);
      if (!settings.quiet) say(describeLoadedContext(context, settings.verbose === true));
    }
    const answerSchema =
      settings.schema === undefined ? undefined : await readAnswerSchema(settings.schema, io.cwd);
    const [model, subModel, embeddingModel, sandbox] = await pending;
    const environment = withDeferredSessions(sandbox);
    const tools = createCliTools(toolChoice.names, embeddingModel);
    if (settings.verbose) {
      say(`rlm: tools: ${tools.tools.map((tool) => tool.name).join(', ') || 'none'}`);
      if (cacheDirectory) say(`rlm: cache: ${cacheDirectory}`);
    }
    const rlm = createRLM({
      model,
      ...(subModel ? { subModel } : {}),
      environment,
      ...cliRunSettings(settings, cacheDirectory),
      tools: tools.tools,
    });
    // --max-cost, --max-tokens and --max-sub-calls cap the whole chat; the other limits each question.
    const session = rlm.session({
      ...(context ? { context: context.value } : {}),
      limits: cliLimits(settings),
    });
    const chat = new ChatSession({
      session,
      settings,
      io,
      hasContext: context !== undefined,
      loadContext: load,
      createReporter: (state) => createReporter(settings, io, state),
      ...(cacheDirectory === undefined ? {} : { cacheDirectory }),
      ...(answerSchema ? { answerSchema } : {}),
    });
    try {
      return io.stdinKind === 'terminal' ? await runTerminalChat(chat) : await runPipedChat(chat);
    } finally {
      await session.dispose().catch(() => undefined);
      await tools.dispose();
      await environment.dispose?.().catch(() => undefined);
    }
  } catch (error) {
    const usage = InvalidArgumentError.isInstance(error) || SandboxError.isInstance(error);
    say(`rlm: ${explainError(error, settings)}`);
    if (settings.verbose && error instanceof Error && error.stack) say(error.stack);
    return usage ? EXIT_CODES.usageError : EXIT_CODES.runtimeError;
  }
}

/** Stdin holds the questions: a context never reads it. */
async function* emptySource(): AsyncIterable<Uint8Array> {}

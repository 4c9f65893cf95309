import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type ContextValue,
  createRLM,
  InvalidArgumentError,
  openTrajectoryJsonlWriter,
  type RLMResult,
  SandboxError,
} from '@rlm/core';
import type { RlmAskAnswer, RlmAskRequest } from '@rlm/mcp';
import packageJson from '../../package.json' with { type: 'json' };
import { cacheDirectoryOf } from '../cache/default-cache-directory';
import type { CliIO } from '../cli-io';
import { documentHeader, type LoadedContext, loadContext } from '../context/load-context';
import { withDeferredSessions } from '../environments/deferred-session-environment';
import { hasNodeFlag, NO_NODE_SNAPSHOT, relaunchWithNodeFlag } from '../environments/relaunch-with-node-flag';
import { EXIT_CODES } from '../exit-codes';
import type { CliSettings } from '../options/cli-settings';
import { createCliTools } from '../options/cli-tools';
import { readConfigFiles } from '../options/config-files';
import { parseCommandLine } from '../options/parse-command-line';
import { type ResolvedCliSettings, resolveCliSettings } from '../options/resolve-cli-settings';
import { inCliTerms } from '../output/cli-terms';
import { explainError } from '../output/explain-error';
import { checkBaseUrl, checkCacheDirectory } from '../run/check-run-settings';
import { cliLimits, cliRunSettings } from '../run/cli-rlm-settings';
import { questionOutcome } from '../run/question-outcome';
import { routeConsoleTo } from '../run/run-question';
import { type RunModels, startRunParts } from '../run/start-run-parts';
import { parseMcpArguments } from './mcp-arguments';
import { mcpUsage } from './mcp-usage';

/** The port `rlm mcp --http` listens on unless told otherwise. */
export const DEFAULT_MCP_PORT = 3939;

/** Whether `argv` is `rlm mcp …`. */
export function isMcpCommand(argv: readonly string[]): boolean {
  return argv[0] === 'mcp';
}

/**
 * `rlm mcp`: serves `@rlm/mcp`'s server over stdio (or Streamable HTTP with `--http`) until the client
 * goes (or Ctrl-C). Settings are resolved once, as `rlm "…"` resolves them; each `rlm_ask` call then
 * starts its own models and sandbox, reads its context and runs, so that a missing key or a broken
 * sandbox is that call's error. Returns the exit code; never throws.
 */
export async function runMcpCommand(
  argv: readonly string[],
  io: CliIO,
  mayRelaunch: boolean,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let settings: CliSettings = {};
  try {
    const mcpArguments = parseMcpArguments(argv);
    const commandLine = parseCommandLine(mcpArguments.rest);
    if (commandLine.help) {
      io.stdout.write(mcpUsage());
      return EXIT_CODES.answered;
    }
    const refused = [
      commandLine.question === undefined
        ? undefined
        : `'${commandLine.question}': rlm mcp takes no question (the client asks them)`,
      commandLine.context.length > 0
        ? '--context: the client names the paths (give the server --root DIR)'
        : undefined,
      commandLine.resume === undefined ? undefined : '--resume: a server cannot resume a run',
      commandLine.flags.trajectory === undefined
        ? undefined
        : '--trajectory: a server writes one file per run (use --trajectory-dir DIR)',
      commandLine.flags.schema === undefined ? undefined : '--schema: rlm_ask answers in text',
    ].filter((reason) => reason !== undefined);
    if (refused.length > 0) {
      throw new InvalidArgumentError({
        argument: 'arguments',
        message: `rlm mcp: ${refused.join('; ')}. See rlm mcp --help.`,
      });
    }
    const resolved = resolveCliSettings(
      commandLine.flags,
      io.environment,
      readConfigFiles(io.cwd, io.environment),
    );
    settings = resolved.settings;
    if (settings.env === 'isolated-vm' && !hasNodeFlag(NO_NODE_SNAPSHOT, io.environment) && mayRelaunch) {
      return await relaunchWithNodeFlag(NO_NODE_SNAPSHOT, ['mcp', ...argv]);
    }
    if (settings.baseUrl !== undefined)
      checkBaseUrl(settings.baseUrl, resolved.origins.baseUrl ?? '--base-url');
    const cacheDirectory = cacheDirectoryOf(settings.cache, resolved.origins.cache, io.environment, io.cwd);
    if (cacheDirectory !== undefined) checkCacheDirectory(cacheDirectory);
    const trajectoryDirectory = resolve(
      io.cwd,
      mcpArguments.trajectoryDirectory ?? defaultTrajectoryDirectory(io.environment),
    );
    // Loaded only for `rlm mcp`: the MCP SDK is not part of a question's start-up.
    const mcp = await import('@rlm/mcp');
    const confinement = await mcp.PathConfinement.of(
      mcpArguments.roots.length > 0 ? mcpArguments.roots : [io.cwd],
      io.cwd,
    );
    // One set of models for every call: concurrent rlm_ask calls then share each model's adaptive
    // concurrency window, as the runs of one process should (a 429 learnt by one holds for all).
    const models: ServerSetup['models'] = {};
    const ask = (request: RlmAskRequest) =>
      askOnce(request, {
        resolved,
        exclude: commandLine.exclude,
        cacheDirectory,
        trajectoryDirectory,
        io,
        models,
      });
    const createServer = () =>
      mcp.createRlmMcpServer({
        confinement,
        ask,
        explainError: (error) => explainError(error, settings),
        instructions:
          `rlm_ask answers questions about files inside ${confinement.roots.join(', ')} with a Recursive Language Model` +
          `${settings.model ? ` (${settings.model})` : ''}. Use it for inputs too large to read yourself.`,
      });
    // Stdout is the protocol's over stdio: a library's console.log there would corrupt it.
    const restoreConsole = routeConsoleTo((text) => say(`rlm mcp: ${text}`));
    try {
      if (!mcpArguments.http) {
        say(
          `rlm mcp ${packageJson.version}: serving rlm_ask over stdio; roots: ${confinement.roots.join(', ')}`,
        );
        await mcp.serveStdio(createServer());
        return EXIT_CODES.answered;
      }
      const http = await mcp.serveStreamableHttp({
        createServer,
        ...(mcpArguments.host === undefined ? {} : { host: mcpArguments.host }),
        port: mcpArguments.port ?? DEFAULT_MCP_PORT,
      });
      say(
        `rlm mcp ${packageJson.version}: serving rlm_ask at ${http.url}; roots: ${confinement.roots.join(', ')}`,
      );
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await http.close();
      return EXIT_CODES.answered;
    } finally {
      restoreConsole();
    }
  } catch (error) {
    const usage = InvalidArgumentError.isInstance(error) || SandboxError.isInstance(error);
    say(`rlm: ${explainError(error, settings)}`);
    return usage ? EXIT_CODES.usageError : EXIT_CODES.runtimeError;
  }
}

/** `$XDG_STATE_HOME/rlm/trajectories`, else `~/.local/state/rlm/trajectories`. */
function defaultTrajectoryDirectory(environment: Readonly<Record<string, string | undefined>>): string {
  const xdg = environment.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'rlm', 'trajectories');
  return join(environment.HOME || homedir(), '.local', 'state', 'rlm', 'trajectories');
}

interface ServerSetup {
  readonly resolved: ResolvedCliSettings;
  readonly exclude: readonly string[];
  readonly cacheDirectory: string | undefined;
  readonly trajectoryDirectory: string;
  readonly io: CliIO;
  /** The models the first call made, reused by the next ones; dropped if making them failed. */
  readonly models: { current?: Promise<RunModels> };
}

/** One rlm_ask call: its own models, sandbox and tools, its context, its run; all ended before it returns. */
async function askOnce(request: RlmAskRequest, setup: ServerSetup): Promise<RlmAskAnswer> {
  const started = Date.now();
  const { resolved, io } = setup;
  const settings: CliSettings =
    request.maxCostUsd === undefined
      ? resolved.settings
      : {
          ...resolved.settings,
          maxCost: Math.min(resolved.settings.maxCost ?? Infinity, request.maxCostUsd),
        };
  const say = (text: string) => io.stderr.write(`rlm mcp: ${text}\n`);
  const reused = setup.models.current;
  const { toolChoice, loading, models } = startRunParts(
    settings,
    resolved.origins,
    io.environment,
    say,
    reused === undefined ? undefined : { models: reused },
  );
  if (reused === undefined) {
    setup.models.current = models;
    // A failure (a missing key, a bad model name) is the call's to report; the next call tries again.
    models.catch(() => {
      if (setup.models.current === models) delete setup.models.current;
    });
  }
  // Until the run owns the sandbox (and disposes it), this call must dispose it once it is up.
  let handedOver = false;
  try {
    const loaded =
      request.paths.length === 0
        ? undefined
        : await loadContext(request.paths, {
            cwd: request.base,
            stdin: emptySource(),
            stdinKind: 'none',
            exclude: setup.exclude,
            checkFile: request.checkFile,
          });
    const context = contextOf(loaded, request.text);
    await mkdir(setup.trajectoryDirectory, { recursive: true });
    const trajectoryPath = join(
      setup.trajectoryDirectory,
      `rlm-${new Date(started).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.jsonl`,
    );
    const writer = await openTrajectoryJsonlWriter(trajectoryPath);
    const [model, subModel, embeddingModel, sandbox] = await loading;
    request.signal.throwIfAborted();
    const environment = withDeferredSessions(sandbox);
    handedOver = true;
    let tools: ReturnType<typeof createCliTools> | undefined;
    let result: RLMResult<unknown> | undefined;
    let failure: unknown;
    try {
      tools = createCliTools(toolChoice.names, embeddingModel);
      const rlm = createRLM({
        model,
        ...(subModel ? { subModel } : {}),
        environment,
        limits: cliLimits(settings),
        ...cliRunSettings(settings, setup.cacheDirectory),
        tools: tools.tools,
      });
      result = await rlm.completion(request.question, {
        context: context.value,
        signal: request.signal,
        onEvent: request.onEvent,
        trajectoryWriter: writer,
      });
    } catch (error) {
      failure = error;
    } finally {
      await tools?.dispose();
      await environment.dispose?.().catch(() => undefined);
    }
    const outcome = questionOutcome(result, failure, false);
    // Failed before the model gave anything (a key, a server, a sandbox): the call's error.
    if (failure && !outcome.limit && !outcome.aborted && outcome.answer === undefined) throw failure;
    const trajectoryFile = writer.started && !writer.failure ? writer.path : undefined;
    const usage = outcome.usage;
    return {
      ...(outcome.answer === undefined ? {} : { answer: outcome.answer }),
      partial: outcome.partial,
      status: outcome.status,
      turns: result?.turns ?? outcome.trajectory?.iterations.length ?? 0,
      durationMs: result?.durationMs ?? Date.now() - started,
      costUsd: usage?.total.costUsd ?? 0,
      ...(usage ? { usage } : {}),
      ...(outcome.failedSubCalls ? { failedSubCalls: outcome.failedSubCalls } : {}),
      ...(trajectoryFile ? { trajectoryFile } : {}),
      context: { documents: context.documents, characters: context.characters },
      ...(failure
        ? { error: { name: (failure as Error).name, message: inCliTerms((failure as Error).message) } }
        : {}),
    };
  } finally {
    // The context failed to load (or the call was cancelled) before the run took the sandbox: end it once it is up.
    if (!handedOver) {
      loading.then(([, , , sandbox]) => sandbox.dispose?.()).catch(() => undefined);
    }
  }
}

/** The run's context: the files read, the text given, or both (the text as one more document). */
function contextOf(
  loaded: LoadedContext | undefined,
  text: string | undefined,
): { value: ContextValue; documents: number; characters: number } {
  if (loaded === undefined) return { value: text ?? '', documents: 1, characters: text?.length ?? 0 };
  if (text === undefined) {
    return { value: loaded.value, documents: loaded.documents.length, characters: loaded.characters };
  }
  const files =
    typeof loaded.value === 'string'
      ? [documentHeader(loaded.documents[0]!.path) + loaded.value]
      : loaded.value;
  const given = documentHeader('(text given with the question)') + text;
  return {
    value: [...files, given],
    documents: loaded.documents.length + 1,
    characters: files.reduce((sum, part) => sum + part.length, 0) + given.length,
  };
}

async function* emptySource(): AsyncIterable<Uint8Array> {}

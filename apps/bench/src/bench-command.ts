import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  createLanguageModel,
  KNOWN_PROVIDERS,
  type ModelConnection,
  resolveModelChoice,
} from '@rlm/cli/models';
import { parseModelId } from '@rlm/core/provider';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { dryRunReport, estimatePlanUsd } from './estimate/dry-run-report';
import { findModelFacts } from './estimate/model-facts';
import { createOracleResponder, tagQuestion } from './offline/oracle-responder';
import { type BenchOptions, BenchUsageError, parseBenchOptions } from './options/bench-options';
import { HELP_TEXT } from './options/help-text';
import { writeOutputs } from './output/write-outputs';
import { configKey, readResults } from './run/result-record';
import { type PlannedRun, resultsPath, runBenchmark } from './run/run-benchmark';
import type { BenchInstance } from './tasks/bench-instance';
import { generateInstances } from './tasks/generate-instances';

/** Where a command's output goes (the process's streams, or a test's). */
export interface BenchIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly environment: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly argv: readonly string[];
  readonly command: string;
}

/** This repository, when rlm-bench runs from it (src/ or dist/ of apps/bench); else the current folder. */
function defaultRepo(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return existsSync(`${root}pnpm-workspace.yaml`) ? root : process.cwd();
}

function checkModelId(text: string | undefined, option: '--model' | '--sub-model'): string | undefined {
  if (text === undefined) return undefined;
  let parsed: ReturnType<typeof parseModelId>;
  try {
    parsed = parseModelId(text);
  } catch {
    throw new BenchUsageError(
      `${option} '${text}' names no provider. Write it as PROVIDER:MODEL, e.g. openai:gpt-5 or anthropic:claude-sonnet-4-6.`,
    );
  }
  if (!KNOWN_PROVIDERS.some((provider) => provider.name === parsed.provider)) {
    throw new BenchUsageError(
      `${option} '${text}': unknown provider '${parsed.provider}'. Use openai: or anthropic: (openai:MODEL with --base-url for vLLM, Ollama and other OpenAI-compatible servers).`,
    );
  }
  return `${parsed.provider}:${parsed.modelId}`;
}

/** The checked model choices (a key for each, or a base URL); a problem is a usage error. */
function resolveChoices(modelId: string, subModelId: string, connection: ModelConnection) {
  try {
    return {
      root: resolveModelChoice(modelId, '--model', connection),
      sub: subModelId === modelId ? undefined : resolveModelChoice(subModelId, '--sub-model', connection),
    };
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
}

function describeMachine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')} at the end`;
}

/**
 * `rlm-bench`: plans the instances, prints a dry run or checks the budget, runs every strategy on
 * every instance (offline against scripted models), and writes the table, CSV, JSONL and chart.
 * Returns the exit code.
 */
export async function runBenchCommand(io: BenchIo): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(io.argv, { repo: defaultRepo() });
  } catch (error) {
    if (error instanceof BenchUsageError) {
      io.stderr.write(`rlm-bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(HELP_TEXT);
    return 0;
  }
  let server: TestServer | undefined;
  try {
    const modelId = checkModelId(options.model, '--model');
    if (modelId === undefined) {
      throw new BenchUsageError(
        'No model given. Pass --model PROVIDER:MODEL (e.g. --model openai:gpt-5), or --offline to check the harness without one.',
      );
    }
    const subModelId = checkModelId(options.subModel, '--sub-model') ?? modelId;
    const modelFacts = findModelFacts(modelId, options.contextWindow);
    const subModelFacts = findModelFacts(subModelId, options.contextWindow);
    const config = configKey({
      model: modelId,
      subModel: subModelId,
      baseUrl: options.baseUrl,
      contextWindow: options.contextWindow,
      seed: options.seed,
      repo: options.repo,
      offline: options.offline,
    });
    const finished = readResults(resultsPath(options.out)).filter((record) => record.config === config);
    const plan = {
      families: options.tasks,
      sizes: options.sizes,
      instances: options.instances,
      strategies: options.strategies,
      finished: (strategy: string, size: number) =>
        finished.filter((record) => record.strategy === strategy && record.sizeTokens === size).length,
    };
    if (options.dryRun) {
      io.stdout.write(`${dryRunReport({ ...plan, finished: undefined }, modelFacts, subModelFacts)}\n`);
      if (finished.length > 0)
        io.stdout.write(
          `\n${finished.length} runs are already in ${resultsPath(options.out)} and would be skipped.\n`,
        );
      return 0;
    }
    // Keys and the provider are checked before anything is generated (large sizes take a while).
    const liveConnection: ModelConnection = {
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      environment: io.environment,
    };
    const choices = options.offline ? undefined : resolveChoices(modelId, subModelId, liveConnection);
    const estimate = estimatePlanUsd(plan, modelFacts, subModelFacts);
    if (options.budgetUsd !== undefined) {
      if (estimate === undefined) {
        io.stderr.write(
          `rlm-bench: warning: the price of ${modelId} or ${subModelId} is unknown, so --budget cannot be checked before starting; it counts only priced calls.\n`,
        );
      } else if (estimate > options.budgetUsd) {
        io.stderr.write(
          `rlm-bench: the estimated cost, $${estimate.toFixed(2)}, is above --budget $${options.budgetUsd}. Run fewer sizes, tasks, strategies or --instances, or raise --budget. (rlm-bench ... --dry-run shows where the cost goes.)\n`,
        );
        return 2;
      }
    }

    const instances = [
      ...generateInstances({
        families: options.tasks,
        sizes: options.sizes,
        perCell: options.instances,
        seed: options.seed,
        repo: options.repo,
      }),
    ];
    const byId = new Map<string, BenchInstance>(instances.map((instance) => [instance.id, instance]));
    let connection = liveConnection;
    if (options.offline) {
      server = await startTestServer({ respond: createOracleResponder(byId) });
      connection = { baseUrl: server.openaiBaseURL, maxRetries: 0, environment: {} };
    }
    const { root, sub } = choices ?? resolveChoices(modelId, subModelId, connection);
    const overrides = options.contextWindow === undefined ? {} : { contextWindow: options.contextWindow };
    const model = await createLanguageModel(root, connection, overrides);
    const subModel = sub === undefined ? model : await createLanguageModel(sub, connection, overrides);
    const runs: PlannedRun[] = instances.flatMap((instance) =>
      options.strategies.map((strategy) => ({ instance, strategy })),
    );
    const environment = createQuickJSEnvironment();
    io.stderr.write(
      `rlm-bench: ${runs.length} runs (${instances.length} instances × ${options.strategies.length} strategies)${estimate === undefined ? '' : `, estimated $${estimate.toFixed(2)}`}${options.offline ? ', offline: scripted models, a harness check' : ''}; results in ${options.out}\n`,
    );
    const summary = await runBenchmark({
      runs,
      config,
      out: options.out,
      model,
      subModel,
      environment,
      concurrency: options.concurrency,
      budgetUsd: options.budgetUsd,
      offline: options.offline,
      questionFor: options.offline ? tagQuestion : (instance) => instance.question,
      signal: io.signal,
      progressStream: io.stderr,
    });
    await environment.dispose?.();
    const paths = writeOutputs(options.out, summary.records, {
      title: `rlm-bench: score against context length, ${modelId}`,
      offline: options.offline,
      model: modelId,
      subModel: subModelId,
      command: io.command,
      machine: describeMachine(),
    });
    io.stderr.write(
      `rlm-bench: ${summary.finished} runs done, ${summary.skipped} already done before, ${summary.notDone} not done; $${summary.spentUsd.toFixed(4)} spent this time.\n`,
    );
    io.stdout.write(`${[resultsPath(options.out), ...paths].join('\n')}\n`);
    if (io.signal.aborted) {
      io.stderr.write('rlm-bench: stopped. Rerun the same command to go on where it stopped.\n');
      return 3;
    }
    if (summary.budgetStopped) {
      io.stderr.write(
        `rlm-bench: the budget of $${options.budgetUsd} is spent; ${summary.notDone} runs were not done. Rerun with a higher --budget to finish them.\n`,
      );
      return 3;
    }
    return 0;
  } catch (error) {
    if (error instanceof BenchUsageError) {
      io.stderr.write(`rlm-bench: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`rlm-bench: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    await server?.close();
  }
}

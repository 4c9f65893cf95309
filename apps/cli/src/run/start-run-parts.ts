import type { EmbeddingModel, LanguageModel, ReplEnvironment } from '@rlm/core';
import { loadEnvironment } from '../environments/load-environment';
import { createEmbeddingModel, createLanguageModel } from '../models/create-language-model';
import { resolveModelChoice } from '../models/resolve-model-ids';
import type { CliSettings } from '../options/cli-settings';
import { type CliToolChoice, resolveCliTools } from '../options/resolve-cli-tools';

/** The root model, the sub-model and the embedding model a run uses (the last two when chosen). */
export type RunModels = readonly [LanguageModel, LanguageModel | undefined, EmbeddingModel | undefined];

/** What a run (`rlm "…"`) and a chat (`rlm chat`) both start from their settings. */
export interface RunParts {
  readonly toolChoice: CliToolChoice;
  /** The models and the sandbox, loading; settled only when awaited (a failure waits for that). */
  readonly loading: Promise<
    [LanguageModel, LanguageModel | undefined, EmbeddingModel | undefined, ReplEnvironment]
  >;
  /** The models alone, for later runs of the same process to reuse (`rlm mcp`). */
  readonly models: Promise<RunModels>;
}

/**
 * Checks the model and tool choices (throwing on a bad one before anything is read) and starts
 * loading the provider SDKs and the sandbox, so that they load while the context is read: start-up
 * time is their sum otherwise. Tool warnings go to `say`.
 */
export function startRunParts(
  settings: CliSettings,
  origins: Parameters<typeof resolveCliTools>[1],
  environment: NodeJS.ProcessEnv,
  say: (line: string) => void,
  /**
   * Models an earlier run of this process made with the same settings: reused, so that concurrent
   * runs share each model's adaptive concurrency window (windows belong to model objects).
   */
  reuse?: { readonly models?: Promise<RunModels> },
): RunParts {
  const connection = {
    ...(settings.baseUrl === undefined ? {} : { baseUrl: settings.baseUrl }),
    ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
    environment,
  };
  const rootChoice = resolveModelChoice(settings.model, '--model', connection);
  const subChoice =
    settings.subModel === undefined
      ? undefined
      : resolveModelChoice(settings.subModel, '--sub-model', connection);
  const toolChoice = resolveCliTools(settings, origins, connection);
  for (const warning of toolChoice.warnings) say(`rlm: warning: ${warning}`);
  // The sandbox first: it boots (a thread, a process) on another core while this one loads the
  // provider SDKs and reads the context. Loaded together, the SDKs' modules (a megabyte) were
  // often evaluated first and the boot started ~50 ms later, on the path to the first cell.
  const sandboxLoading = loadEnvironment(settings.env ?? 'quickjs', environment, {
    ...(settings.memory === undefined ? {} : { memoryLimitMb: settings.memory }),
  }).then((sandbox) => {
    sandbox.prepare?.();
    return sandbox;
  });
  // Whether the sandbox loaded or not, the models load next (their errors are reported alike).
  const afterSandbox = sandboxLoading.then(
    () => undefined,
    () => undefined,
  );
  const models: Promise<RunModels> =
    reuse?.models ??
    Promise.all([
      afterSandbox.then(() => createLanguageModel(rootChoice, connection)),
      subChoice ? afterSandbox.then(() => createLanguageModel(subChoice, connection)) : undefined,
      toolChoice.embeddingModel
        ? afterSandbox.then(() => createEmbeddingModel(toolChoice.embeddingModel!, connection))
        : undefined,
    ]);
  models.catch(() => undefined);
  const loading = Promise.all([models, sandboxLoading]).then(
    ([[model, subModel, embeddingModel], sandbox]) =>
      [model, subModel, embeddingModel, sandbox] as [
        LanguageModel,
        LanguageModel | undefined,
        EmbeddingModel | undefined,
        ReplEnvironment,
      ],
  );
  loading.catch(() => undefined);
  return { toolChoice, loading, models };
}

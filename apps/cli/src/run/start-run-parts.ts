import type { EmbeddingModel, LanguageModel, ReplEnvironment } from '@rlm/core';
import { loadEnvironment } from '../environments/load-environment';
import { createEmbeddingModel, createLanguageModel } from '../models/create-language-model';
import { resolveModelChoice } from '../models/resolve-model-ids';
import type { CliSettings } from '../options/cli-settings';
import { type CliToolChoice, resolveCliTools } from '../options/resolve-cli-tools';

/** What a run (`rlm "…"`) and a chat (`rlm chat`) both start from their settings. */
export interface RunParts {
  readonly toolChoice: CliToolChoice;
  /** The models and the sandbox, loading; settled only when awaited (a failure waits for that). */
  readonly loading: Promise<
    [LanguageModel, LanguageModel | undefined, EmbeddingModel | undefined, ReplEnvironment]
  >;
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
  const loading = Promise.all([
    createLanguageModel(rootChoice, connection),
    subChoice ? createLanguageModel(subChoice, connection) : undefined,
    toolChoice.embeddingModel ? createEmbeddingModel(toolChoice.embeddingModel, connection) : undefined,
    loadEnvironment(settings.env ?? 'quickjs', environment, {
      ...(settings.memory === undefined ? {} : { memoryLimitMb: settings.memory }),
    }).then((sandbox) => {
      // The sandbox boots (a thread, a process) while the context is read and the SDK loads.
      sandbox.prepare?.();
      return sandbox;
    }),
  ]);
  loading.catch(() => undefined);
  return { toolChoice, loading };
}

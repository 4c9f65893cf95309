import { InvalidArgumentError } from '@rlm/core';
import { type ModelChoice, resolveEmbeddingModelChoice } from '../models/resolve-model-ids';
import type { CliSettings, SettingName, ToolName } from './cli-settings';

/** The checked `--embedding-model`, with the vector length `--embedding-dimensions` asks for. */
export interface EmbeddingModelChoice extends ModelChoice {
  readonly dimensions?: number;
}

/** The tools of a run, checked, and the embedding model `retrieve` needs. */
export interface CliToolChoice {
  readonly names: readonly ToolName[];
  /** Set when `retrieve` is among {@link names}. */
  readonly embeddingModel?: EmbeddingModelChoice;
  /** Lines for stderr, e.g. an `--embedding-model` that no tool uses. */
  readonly warnings: readonly string[];
}

/**
 * Which tools the model gets. Without `tools`: `grep` and `search`, plus `retrieve` when an
 * embedding model is given (naming one says you want it used). A `tools` setting, wherever it came
 * from, is taken as written. `retrieve` without an embedding model is a usage error saying what to
 * add, before anything is read or sent.
 */
export function resolveCliTools(
  settings: CliSettings,
  origins: Readonly<Partial<Record<SettingName, string>>>,
  connection: {
    readonly baseUrl?: string;
    readonly environment: Readonly<Record<string, string | undefined>>;
  },
): CliToolChoice {
  const names: readonly ToolName[] =
    settings.tools ??
    (settings.embeddingModel === undefined ? ['grep', 'search'] : ['grep', 'search', 'retrieve']);
  const toolsOrigin = origins.tools ?? '--tools';
  const toolsSaid = toolsOrigin === '--tools' ? '--tools' : `tools (from ${toolsOrigin})`;
  const warnings: string[] = [];
  if (!names.includes('retrieve')) {
    // Only a flag typed now is worth a warning: an RLM_EMBEDDING_MODEL kept in the environment or a
    // config file for the runs that do use retrieve would warn on every other run.
    if (settings.embeddingModel !== undefined && origins.embeddingModel === '--embedding-model') {
      warnings.push(
        `--embedding-model ${settings.embeddingModel} is not used: ${toolsSaid} leaves retrieve out (${names.join(',') || 'none'}). ` +
          `To use it: --tools ${[...names, 'retrieve'].join(',')}.`,
      );
    }
    if (
      settings.embeddingDimensions !== undefined &&
      origins.embeddingDimensions === '--embedding-dimensions'
    ) {
      warnings.push(
        `--embedding-dimensions ${settings.embeddingDimensions} is not used: ${
          settings.embeddingModel === undefined
            ? 'no --embedding-model is given'
            : `${toolsSaid} leaves retrieve out`
        }.`,
      );
    }
    return { names, warnings };
  }
  if (settings.embeddingModel === undefined) {
    throw new InvalidArgumentError({
      argument: 'tools',
      message:
        `${toolsSaid} includes retrieve, which needs an embedding model to index the context. ` +
        'Add --embedding-model openai:text-embedding-3-small (or set RLM_EMBEDDING_MODEL, or put "embeddingModel" in rlm.config.json); ' +
        'with --base-url, name an embedding model that server has, e.g. --embedding-model openai:nomic-embed-text for Ollama. ' +
        `Or leave retrieve out: --tools ${names.filter((name) => name !== 'retrieve').join(',') || 'none'}.`,
    });
  }
  const embeddingModel = resolveEmbeddingModelChoice(settings.embeddingModel, connection);
  return {
    names,
    embeddingModel:
      settings.embeddingDimensions === undefined
        ? embeddingModel
        : { ...embeddingModel, dimensions: settings.embeddingDimensions },
    warnings,
  };
}

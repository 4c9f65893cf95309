import type { EmbeddingModel, LanguageModel } from '@rlm/core';
import { BASE_URL_KEY_VARIABLE } from './known-providers';
import { createLocalModel, LOCAL_PROVIDER } from './local-model';
import type { ModelChoice } from './resolve-model-ids';

/** Settings of one model beyond its id. */
export interface LanguageModelOverrides {
  /**
   * The model's context window in tokens, for a model the provider's catalog does not know (a local
   * model on vLLM or Ollama) or to run a known one as if its window were smaller (a benchmark).
   */
  readonly contextWindow?: number;
}

/** What every model of one run shares. */
export interface ModelConnection {
  /** `--base-url`: every model is sent there (for Anthropic, without a trailing `/v1`, which its SDK adds). */
  readonly baseUrl?: string;
  readonly maxRetries?: number;
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Where `ai-sdk:` provider packages are looked for first (the project's node_modules). Default: the working directory. */
  readonly cwd?: string;
}

/**
 * Makes the `LanguageModel` for a checked model choice. The provider package is imported only now,
 * so `rlm --help` and a run on one provider never load the other's SDK.
 *
 * Keys: without `--base-url`, each provider reads its own variable (`OPENAI_API_KEY`,
 * `ANTHROPIC_API_KEY`). With `--base-url`, the key is `RLM_API_KEY`, or `'none'` for the local
 * servers that need no key: a provider's key is never sent to another server.
 */
export async function createLanguageModel(
  choice: ModelChoice,
  connection: ModelConnection,
  overrides: LanguageModelOverrides = {},
): Promise<LanguageModel> {
  const baseUrlKey = connection.environment[BASE_URL_KEY_VARIABLE]?.trim() || 'none';
  const retries = connection.maxRetries === undefined ? {} : { maxRetries: connection.maxRetries };
  const modelSettings =
    overrides.contextWindow === undefined ? {} : { contextWindow: overrides.contextWindow };
  if (choice.provider === LOCAL_PROVIDER) {
    return createLocalModel(choice.modelId, connection.environment, overrides.contextWindow);
  }
  if (choice.provider === 'openai') {
    return (await createOpenAIProvider(connection))(choice.modelId, modelSettings);
  }
  if (choice.aiSDK) {
    const { loadAISDKModel } = await import('./load-ai-sdk-model');
    return loadAISDKModel(choice.aiSDK, {
      cwd: connection.cwd ?? process.cwd(),
      ...retries,
      ...modelSettings,
    });
  }
  const { createAnthropic } = await import('@rlm/anthropic');
  const provider = createAnthropic({
    ...retries,
    ...(connection.baseUrl === undefined
      ? {}
      : { baseURL: connection.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, ''), apiKey: baseUrlKey }),
  });
  return provider(choice.modelId, modelSettings);
}

/**
 * Makes the `EmbeddingModel` of `--embedding-model` (checked by `resolveEmbeddingModelChoice`: an
 * `openai:` model), with the same base URL, key and retries as the language models.
 */
export async function createEmbeddingModel(
  choice: ModelChoice & { readonly dimensions?: number },
  connection: ModelConnection,
): Promise<EmbeddingModel> {
  return (await createOpenAIProvider(connection)).embedding(
    choice.modelId,
    choice.dimensions === undefined ? {} : { dimensions: choice.dimensions },
  );
}

async function createOpenAIProvider(connection: ModelConnection) {
  const { createOpenAI } = await import('@rlm/openai');
  const baseUrlKey = connection.environment[BASE_URL_KEY_VARIABLE]?.trim() || 'none';
  return createOpenAI({
    ...(connection.maxRetries === undefined ? {} : { maxRetries: connection.maxRetries }),
    ...(connection.baseUrl === undefined ? {} : { baseURL: connection.baseUrl, apiKey: baseUrlKey }),
  });
}

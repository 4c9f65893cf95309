import { InvalidArgumentError } from '@rlm/core';
import { type ParsedModelId, parseModelId } from '@rlm/core/provider';
import { AI_SDK_PREFIX, type AISDKModelId, parseAISDKModelId } from './ai-sdk-model-id';
import { BASE_URL_KEY_VARIABLE, KNOWN_PROVIDERS, type KnownProvider } from './known-providers';
import { checkLocalModelId, LOCAL_PROVIDER, localModelHint } from './local-model';

/**
 * A model named on the command line, checked: its provider is known and has a key (or a base URL),
 * it runs here (`local:`), or it is an AI SDK provider package's model (`ai-sdk:PACKAGE:MODEL`, whose
 * key the package reads).
 */
export interface ModelChoice extends ParsedModelId {
  readonly provider: KnownProvider['name'] | typeof LOCAL_PROVIDER | typeof AI_SDK_PREFIX;
  /** `provider:modelId`. */
  readonly id: string;
  /** For `ai-sdk:` models: the package and the model id it knows. */
  readonly aiSDK?: AISDKModelId;
}

/**
 * Checks `--model` / `--sub-model` before anything is loaded or sent: the `provider:model` form,
 * a known provider, and a key for it. Each problem is a usage error saying what to do.
 */
export function resolveModelChoice(
  text: string | undefined,
  option: '--model' | '--sub-model' | '--embedding-model',
  options: { readonly baseUrl?: string; readonly environment: Readonly<Record<string, string | undefined>> },
): ModelChoice {
  if (text === undefined) {
    throw new InvalidArgumentError({
      argument: 'model',
      message:
        'No model given. Pass --model PROVIDER:MODEL (e.g. --model openai:gpt-5.4-mini with OPENAI_API_KEY, or --model anthropic:claude-sonnet-4-6 with ANTHROPIC_API_KEY), ' +
        'set RLM_MODEL, or put "model" in rlm.config.json. ' +
        'For a local OpenAI-compatible server (Ollama, vLLM, LM Studio): --model openai:MODEL --base-url http://localhost:11434/v1. ' +
        localModelHint(),
    });
  }
  if (text.trim().toLowerCase().startsWith(`${LOCAL_PROVIDER}:`)) {
    // Everything after the first colon: a path may hold colons of its own (C:\\models\\m.gguf).
    const modelId = text
      .trim()
      .slice(LOCAL_PROVIDER.length + 1)
      .trim();
    checkLocalModelId(modelId, option);
    return { provider: LOCAL_PROVIDER, modelId, id: `${LOCAL_PROVIDER}:${modelId}` };
  }
  let parsed: ParsedModelId;
  try {
    parsed = parseModelId(text);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: option.slice(2),
      message: `${option} '${text}' names no provider. Write it as PROVIDER:MODEL, e.g. openai:${text.includes(':') ? 'gpt-5.4-mini' : text} or anthropic:claude-sonnet-4-6.`,
      cause: error,
    });
  }
  if (parsed.provider === AI_SDK_PREFIX && option !== '--embedding-model') {
    const aiSDK = parseAISDKModelId(parsed.modelId, option);
    if (options.baseUrl !== undefined) {
      throw new InvalidArgumentError({
        argument: 'base-url',
        message:
          `--base-url applies to openai: and anthropic: models, not to ${option} ${text}: an AI SDK provider takes its ` +
          `server from its own setting (its BASE_URL variable, e.g. ANTHROPIC_BASE_URL for @ai-sdk/anthropic). Leave --base-url out.`,
      });
    }
    return { provider: AI_SDK_PREFIX, modelId: parsed.modelId, id: text, aiSDK };
  }
  const provider = KNOWN_PROVIDERS.find((known) => known.name === parsed.provider);
  if (!provider) {
    throw new InvalidArgumentError({
      argument: option.slice(2),
      message:
        `${option} '${text}': unknown provider '${parsed.provider}'. Known providers: ${[...KNOWN_PROVIDERS.map((known) => known.name), LOCAL_PROVIDER].join(', ')}. ` +
        `For any other OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter), use openai:${parsed.modelId} with --base-url URL; ` +
        `for an AI SDK provider package you installed, ai-sdk:PACKAGE:MODEL (e.g. ai-sdk:@ai-sdk/google:gemini-2.5-pro).`,
    });
  }
  const key = (name: string) => options.environment[name]?.trim();
  if (
    options.baseUrl === undefined &&
    !key(provider.keyVariable) &&
    !(provider.name === 'openai' && key('OPENAI_BASE_URL'))
  ) {
    throw new InvalidArgumentError({
      argument: 'apiKey',
      message:
        `No API key for ${option} ${text}: set ${provider.keyVariable} (export ${provider.keyVariable}=...). ` +
        `To use a local OpenAI-compatible server instead (Ollama, vLLM, LM Studio), pass --base-url, e.g. --base-url http://localhost:11434/v1 with openai:MODEL; ` +
        `if that server needs a key, set ${BASE_URL_KEY_VARIABLE}. ${localModelHint()}`,
    });
  }
  return { provider: provider.name, modelId: parsed.modelId, id: `${provider.name}:${parsed.modelId}` };
}

/** Providers with an embeddings API (`openai.embedding(...)`); Anthropic has none. */
export const EMBEDDING_PROVIDERS: readonly KnownProvider['name'][] = ['openai'];

/**
 * Checks `--embedding-model` like {@link resolveModelChoice} checks `--model`, and that its provider
 * has embeddings at all: only `openai` (OpenAI's API or any OpenAI-compatible server) does.
 */
export function resolveEmbeddingModelChoice(
  text: string,
  options: { readonly baseUrl?: string; readonly environment: Readonly<Record<string, string | undefined>> },
): ModelChoice {
  const suggestion =
    "e.g. --embedding-model openai:text-embedding-3-small (with OPENAI_API_KEY), or openai:MODEL with --base-url for an OpenAI-compatible server's embedding model (Ollama: openai:nomic-embed-text)";
  let parsed: ParsedModelId;
  try {
    parsed = parseModelId(text);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'embedding-model',
      message: `--embedding-model '${text}' names no provider. Write it as PROVIDER:MODEL, e.g. openai:${text.includes(':') ? 'text-embedding-3-small' : text}.`,
      cause: error,
    });
  }
  if (!EMBEDDING_PROVIDERS.includes(parsed.provider as KnownProvider['name'])) {
    const known = KNOWN_PROVIDERS.some((provider) => provider.name === parsed.provider);
    throw new InvalidArgumentError({
      argument: 'embedding-model',
      message:
        `--embedding-model '${text}': ${known ? `the ${parsed.provider} provider has no embeddings API` : `unknown provider '${parsed.provider}'`}. ` +
        `Embeddings come from ${EMBEDDING_PROVIDERS.join(', ')} only: ${suggestion}.`,
    });
  }
  return resolveModelChoice(text, '--embedding-model', options);
}

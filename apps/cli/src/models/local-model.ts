import { InvalidArgumentError, type LanguageModel, ModelNotFoundError } from '@rlm/core';
import { DEFAULT_LOCAL_MODEL, formatBytes, LOCAL_MODELS } from '@rlm/llama-cpp';

/** The prefix of `--model local:<alias>` and `--model local:/path/model.gguf`. */
export const LOCAL_PROVIDER = 'local';

/** The package that runs local models; imported by name at run time, only for `local:` models. */
export const LOCAL_MODEL_PACKAGE = '@rlm/llama-cpp';

/** CPU threads for a local model (default: node-llama-cpp's choice, the machine's cores). */
export const LOCAL_THREADS_VARIABLE = 'RLM_LLAMA_THREADS';

/** The line every "no model" message carries: how to run a model on this machine, with no key and no server. */
export function localModelHint(): string {
  return (
    `To run a model on this machine with no key and no server: --model ${LOCAL_PROVIDER}:${DEFAULT_LOCAL_MODEL.alias} ` +
    `(downloads ${formatBytes(DEFAULT_LOCAL_MODEL.approximateBytes)} once into ~/.cache/rlm/models; needs ${LOCAL_MODEL_PACKAGE}), ` +
    `other aliases: ${LOCAL_MODELS.filter((model) => model !== DEFAULT_LOCAL_MODEL)
      .map((model) => `${model.alias} (${formatBytes(model.approximateBytes)})`)
      .join(', ')}; ` +
    `or ${LOCAL_PROVIDER}:/path/to/model.gguf.`
  );
}

/** Checks the part after `local:` (an alias, a GGUF path or an `hf:` URI) is not empty. */
export function checkLocalModelId(modelId: string, option: string): void {
  if (modelId.trim() === '') {
    throw new InvalidArgumentError({
      argument: option.slice(2),
      message: `${option} ${LOCAL_PROVIDER}: names no model. ${localModelHint()}`,
    });
  }
}

const loaded = new Map<string, Promise<LanguageModel>>();

/**
 * The local model for `local:<modelRef>`, downloaded (its size shown first) and loaded before the
 * run starts, so its real context window is known to the loop. `--model` and `--sub-model` naming
 * the same model share one loaded copy.
 */
export function createLocalModel(
  modelRef: string,
  environment: Readonly<Record<string, string | undefined>>,
  contextSize?: number,
): Promise<LanguageModel> {
  const key = `${modelRef}\n${contextSize ?? ''}`;
  let model = loaded.get(key);
  if (!model) {
    model = loadLocalModel(modelRef, environment, contextSize);
    loaded.set(key, model);
  }
  return model;
}

async function loadLocalModel(
  modelRef: string,
  environment: Readonly<Record<string, string | undefined>>,
  contextSize: number | undefined,
): Promise<LanguageModel> {
  let module: typeof import('@rlm/llama-cpp');
  try {
    // A computed specifier: the bundler leaves the package (and its native llama.cpp) out of rlm.
    const name = LOCAL_MODEL_PACKAGE;
    module = (await import(/* @vite-ignore */ name)) as typeof import('@rlm/llama-cpp');
  } catch (error) {
    throw new ModelNotFoundError({
      provider: LOCAL_PROVIDER,
      modelId: modelRef,
      message:
        `--model ${LOCAL_PROVIDER}:${modelRef} needs the package ${LOCAL_MODEL_PACKAGE}, which did not load (${(error as Error).message}). ` +
        `Install it next to rlm: npm install --global ${LOCAL_MODEL_PACKAGE} (it brings node-llama-cpp and its prebuilt llama.cpp).`,
      cause: error,
    });
  }
  const threads = Number(environment[LOCAL_THREADS_VARIABLE]);
  const model = module.llamaCpp(modelRef, {
    ...(Number.isInteger(threads) && threads > 0 ? { threads } : {}),
    // A context-window override (a benchmark's smaller window) is the largest context to allocate.
    ...(contextSize === undefined ? {} : { contextSize }),
    ...(environment.RLM_MODELS_DIR ? { cacheDir: environment.RLM_MODELS_DIR } : {}),
  });
  await model.load();
  return model;
}

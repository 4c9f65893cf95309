import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AISDKLanguageModel } from '@rlm/ai-sdk';
import { InvalidArgumentError, type LanguageModel } from '@rlm/core';
import type { AISDKModelId } from './ai-sdk-model-id';

/**
 * The language model `ai-sdk:PACKAGE:MODEL` names: the provider package is imported from where
 * `rlm` runs (the project's `node_modules`), else from beside `rlm` itself (a global install), and
 * its ready-made provider instance (`google` of `@ai-sdk/google`, `mistral` of `@ai-sdk/mistral`)
 * makes the model, wrapped by `fromAISDK`. The instance reads its key and base URL from its own
 * environment variables, as in code; a missing key is reported by the provider at the first call.
 */
export async function loadAISDKModel(
  id: AISDKModelId,
  options: { readonly cwd: string; readonly maxRetries?: number; readonly contextWindow?: number },
): Promise<LanguageModel> {
  const exports = await importProviderPackage(id.packageName, options.cwd);
  const provider = findProviderInstance(exports, id.packageName);
  let model: unknown;
  try {
    model = provider.languageModel(id.modelId);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'model',
      message: `${id.packageName} refused the model '${id.modelId}': ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const { fromAISDK } = await import('@rlm/ai-sdk');
  return fromAISDK(model as AISDKLanguageModel, {
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.contextWindow === undefined ? {} : { contextWindow: options.contextWindow }),
  });
}

async function importProviderPackage(packageName: string, cwd: string): Promise<Record<string, unknown>> {
  const places = [join(cwd, 'package.json'), import.meta.url];
  for (const place of places) {
    let resolved: string;
    try {
      resolved = createRequire(place).resolve(packageName);
    } catch {
      continue;
    }
    return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  }
  throw new InvalidArgumentError({
    argument: 'model',
    message:
      `The AI SDK provider package ${packageName} is not installed here (${cwd}) nor beside rlm. ` +
      `Install it in this project: npm install ${packageName} (or pnpm add ${packageName}).`,
  });
}

/** A provider instance: callable, with a `languageModel(id)` method (AI SDK's ProviderV2/V3/V4). */
interface ProviderInstance {
  languageModel(modelId: string): unknown;
}

function isProviderInstance(value: unknown): value is ProviderInstance {
  return (
    typeof value === 'function' &&
    typeof (value as unknown as Record<string, unknown>).languageModel === 'function'
  );
}

/**
 * The package's ready-made provider: the only exported instance, or the one named after the package
 * (`@ai-sdk/google` → `google`, `@openrouter/ai-sdk-provider` → `openrouter`).
 */
function findProviderInstance(exports: Record<string, unknown>, packageName: string): ProviderInstance {
  const instances = Object.entries(exports).filter(
    ([name, value]) => name !== 'default' && isProviderInstance(value),
  );
  if (instances.length === 0 && isProviderInstance(exports.default)) return exports.default;
  if (instances.length === 1) return instances[0]![1] as ProviderInstance;
  const base = packageName.replace(/^@[^/]+\//, '').replace(/-ai-sdk-provider$|^ai-sdk-provider-/, '');
  const scope = /^@([^/]+)\//.exec(packageName)?.[1];
  const named = instances.find(([name]) => name === base || name === scope);
  if (named) return named[1] as ProviderInstance;
  throw new InvalidArgumentError({
    argument: 'model',
    message:
      instances.length === 0
        ? `${packageName} exports no ready-made AI SDK provider (a function with languageModel()); it may need settings first (like @ai-sdk/openai-compatible's baseURL). Use it from code: fromAISDK(createProvider({...})('model')) of @rlm/ai-sdk.`
        : `${packageName} exports several providers (${instances.map(([name]) => name).join(', ')}); rlm cannot tell which to use. Use it from code with fromAISDK of @rlm/ai-sdk.`,
  });
}

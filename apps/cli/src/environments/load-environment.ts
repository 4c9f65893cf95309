import { type ReplEnvironment, RLMError, SandboxError } from '@rlm/core';
import type { EnvironmentName } from '../options/cli-settings';

/** The package that provides each optional environment. */
export const ENVIRONMENT_PACKAGES: Readonly<Record<Exclude<EnvironmentName, 'quickjs'>, string>> = {
  'isolated-vm': '@rlm/env-isolated-vm',
  deno: '@rlm/env-deno',
  pyodide: '@rlm/env-pyodide',
};

/** Loads the optional environments from another package than the usual one (custom builds; tests simulate a missing package with it). */
export const ENVIRONMENT_PACKAGE_VARIABLE = 'RLM_ENV_PACKAGE';

/**
 * Creates the REPL environment. QuickJS is built in; `isolated-vm`, `deno` and `pyodide` live in
 * packages of their own (a native addon, a Deno binary, a Python interpreter) that are imported only when asked for, so the CLI works
 * without them and a missing one is an error naming the package to add.
 */
export async function loadEnvironment(
  name: EnvironmentName,
  environment: Readonly<Record<string, string | undefined>>,
  options: { readonly memoryLimitMb?: number } = {},
): Promise<ReplEnvironment> {
  const { memoryLimitMb } = options;
  if (name === 'quickjs') {
    const { createQuickJSEnvironment } = await import('@rlm/env-quickjs');
    return createQuickJSEnvironment(
      memoryLimitMb === undefined ? {} : { memoryLimitBytes: memoryLimitMb * 1024 * 1024 },
    );
  }
  const packageName = environment[ENVIRONMENT_PACKAGE_VARIABLE]?.trim() || ENVIRONMENT_PACKAGES[name];
  let module: Record<string, unknown>;
  try {
    // A computed specifier: the bundler must leave these packages out, they are found at run time.
    module = (await import(/* @vite-ignore */ packageName)) as Record<string, unknown>;
  } catch (error) {
    throw new SandboxError({
      environmentId: name,
      message: describeLoadFailure(name, packageName, error),
      cause: error,
    });
  }
  const factory = Object.entries(module).find(
    ([key, value]) => /^create\w*Environment$/.test(key) && typeof value === 'function',
  )?.[1] as ((options?: object) => ReplEnvironment | Promise<ReplEnvironment>) | undefined;
  if (!factory) {
    throw new SandboxError({
      environmentId: name,
      message: `${packageName} exports no create…Environment() factory; is it an RLM environment package?`,
    });
  }
  try {
    // isolated-vm, deno and pyodide all take `memoryLimitMb`.
    // startRunParts calls the environment's prepare() (Pyodide boots an interpreter) once it is loaded.
    return await factory(memoryLimitMb === undefined ? undefined : { memoryLimitMb });
  } catch (error) {
    if (RLMError.isInstance(error)) throw error;
    throw new SandboxError({
      environmentId: name,
      message: `--env ${name}: creating the environment from ${packageName} failed: ${(error as Error).message}`,
      cause: error,
    });
  }
}

/** Why an environment package did not load, and what to do about it. */
function describeLoadFailure(name: EnvironmentName, packageName: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = String((error as Error).message);
  if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(packageName)) {
    // Found, but its built entry is missing: a workspace checkout before `pnpm build`.
    if (message.includes(`${packageName}/dist/`)) {
      return `--env ${name}: ${packageName} is installed but not built (no dist/). In a checkout of the rlm repository, run pnpm build first.`;
    }
    return (
      `--env ${name} needs the package ${packageName}, which is not installed. Install it next to rlm ` +
      `(npm install --global ${packageName}, or pnpm add ${packageName} in your project), or use the built-in --env quickjs.`
    );
  }
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    // Node was asked for the workspace's sources (the @rlm/source export condition), which only tsx can run.
    return (
      `${packageName} resolved to its TypeScript source (is --conditions=@rlm/source in NODE_OPTIONS?), which the built rlm ` +
      'cannot load. Run the built rlm without that condition (pnpm build, then pnpm rlm "question" --context ...), ' +
      'or the CLI from source: pnpm --filter @rlm/cli dev "question" --context ...'
    );
  }
  return `--env ${name}: loading ${packageName} failed: ${message}`;
}

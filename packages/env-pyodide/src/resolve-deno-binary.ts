import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SandboxError } from '@rlm/core';

/** The environment variable that points at a Deno binary when no `denoPath` option is given. */
export const DENO_PATH_VARIABLE = 'RLM_DENO_PATH';

const ENVIRONMENT_ID = 'pyodide';

/**
 * The npm package that holds Deno's binary for a platform, as the `deno` npm package names them
 * (`@deno/linux-x64-glibc`, `@deno/darwin-arm64`, `@deno/win32-x64`, …), or `undefined` when Deno
 * publishes none for it (other CPUs). Linux packages are glibc builds: package managers skip them on
 * musl (Alpine).
 */
export function denoPlatformPackage(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string | undefined {
  if (arch !== 'x64' && arch !== 'arm64') return undefined;
  if (platform === 'linux') return `@deno/linux-${arch}-glibc`;
  if (platform === 'darwin' || platform === 'win32') return `@deno/${platform}-${arch}`;
  return undefined;
}

/**
 * Finds the Deno binary to run: the `denoPath` option, else the `RLM_DENO_PATH` environment variable,
 * else the binary inside this platform's `@deno/*` package (an optional dependency of this package,
 * installed beside it). Nothing is downloaded. Throws a `SandboxError` that says what to install or
 * set when there is none.
 */
export function resolveDenoBinary(
  denoPath: string | undefined,
  environment: NodeJS.ProcessEnv = process.env,
  /** The platform package to look in; `null` when Deno publishes none for this platform. */
  packageName: string | null = denoPlatformPackage() ?? null,
): string {
  const explicit = denoPath ?? (environment[DENO_PATH_VARIABLE] || undefined);
  if (explicit !== undefined) {
    const source = denoPath !== undefined ? 'the denoPath option' : `${DENO_PATH_VARIABLE}`;
    if (!isExecutable(explicit)) {
      throw new SandboxError({
        environmentId: ENVIRONMENT_ID,
        message: `${source} points at ${explicit}, which is not an executable file. Point it at a Deno 2.9+ binary, or leave it unset to use the one from the @deno/* npm package.`,
      });
    }
    return explicit;
  }
  const binary = packageName === null ? undefined : findPackageBinary(packageName);
  if (binary !== undefined) return binary;
  const target = `${process.platform}-${process.arch}`;
  if (packageName === null || isMusl()) {
    throw new SandboxError({
      environmentId: ENVIRONMENT_ID,
      message: `Deno publishes no npm package with a binary for ${target}${isMusl() ? ' with musl' : ''}. Install Deno 2.9+ another way and set the denoPath option or ${DENO_PATH_VARIABLE} to its path.`,
    });
  }
  throw new SandboxError({
    environmentId: ENVIRONMENT_ID,
    message: `The Deno binary for ${target} is missing: the optional dependency ${packageName} of @rlm/env-pyodide was not installed. Install it (e.g. \`pnpm add ${packageName}\`; check that optional dependencies are not turned off), or set the denoPath option or ${DENO_PATH_VARIABLE} to a Deno 2.9+ binary.`,
  });
}

function findPackageBinary(packageName: string): string | undefined {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
  } catch {
    return undefined;
  }
  const binary = join(dirname(manifest), process.platform === 'win32' ? 'deno.exe' : 'deno');
  return isExecutable(binary) ? binary : undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let muslCache: boolean | undefined;

/** Node reports the glibc it runs on; a Linux without one is musl (Alpine), for which Deno ships no npm binary. */
function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  if (muslCache === undefined) {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    muslCache = report?.header !== undefined && report.header.glibcVersionRuntime === undefined;
  }
  return muslCache;
}

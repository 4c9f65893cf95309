import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { SandboxError } from '../errors/sandbox-error';

/** The environment variable that points at a Deno binary when no `denoPath` option is given. */
export const DENO_PATH_VARIABLE = 'RLM_DENO_PATH';

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

/** Which environment needs Deno, and where its `@deno/*` package is installed. */
export interface ResolveDenoBinaryOptions {
  /** The environment's `denoPath` option; it wins over everything else. */
  readonly denoPath: string | undefined;
  /** The id of the environment, for the `SandboxError`s thrown. */
  readonly environmentId: string;
  /** The npm package of the environment (`@rlm/env-deno`), named in the error that says what to install. */
  readonly packageName: string;
  /**
   * `createRequire(import.meta.url)` of the environment's package: the `@deno/*` packages are its
   * optional dependencies, installed beside it, so they are looked up from there (`@rlm/core` does
   * not depend on Deno).
   */
  readonly require: { resolve(id: string): string };
  /** Where `RLM_DENO_PATH` is read. Default: `process.env`. */
  readonly environment?: NodeJS.ProcessEnv;
  /**
   * The platform package to look in; `null` when Deno publishes none for this platform. Default:
   * {@link denoPlatformPackage} of this platform.
   */
  readonly platformPackage?: string | null;
}

/**
 * Finds the Deno binary to run: the `denoPath` option, else the `RLM_DENO_PATH` environment variable,
 * else the binary inside this platform's `@deno/*` package, resolved from the environment's package.
 * Nothing is downloaded. Throws a `SandboxError` that says what to install or set when there is none.
 */
export function resolveDenoBinary(options: ResolveDenoBinaryOptions): string {
  const { denoPath, environmentId, packageName } = options;
  const environment = options.environment ?? process.env;
  const platformPackage =
    options.platformPackage === undefined ? (denoPlatformPackage() ?? null) : options.platformPackage;
  const explicit = denoPath ?? (environment[DENO_PATH_VARIABLE] || undefined);
  if (explicit !== undefined) {
    const source = denoPath !== undefined ? 'the denoPath option' : `${DENO_PATH_VARIABLE}`;
    if (!isExecutable(explicit)) {
      throw new SandboxError({
        environmentId,
        message: `${source} points at ${explicit}, which is not an executable file. Point it at a Deno 2.9+ binary, or leave it unset to use the one from the @deno/* npm package.`,
      });
    }
    return explicit;
  }
  const binary = platformPackage === null ? undefined : findPackageBinary(platformPackage, options.require);
  if (binary !== undefined) return binary;
  const target = `${process.platform}-${process.arch}`;
  if (platformPackage === null || isMusl()) {
    throw new SandboxError({
      environmentId,
      message: `Deno publishes no npm package with a binary for ${target}${isMusl() ? ' with musl' : ''}. Install Deno 2.9+ another way and set the denoPath option or ${DENO_PATH_VARIABLE} to its path.`,
    });
  }
  throw new SandboxError({
    environmentId,
    message: `The Deno binary for ${target} is missing: the optional dependency ${platformPackage} of ${packageName} was not installed. Install it (e.g. \`pnpm add ${platformPackage}\`; check that optional dependencies are not turned off), or set the denoPath option or ${DENO_PATH_VARIABLE} to a Deno 2.9+ binary.`,
  });
}

/** Whose Deno binary a {@link DenoBinaryResolver} finds: what {@link resolveDenoBinary} takes besides the path. */
export type DenoBinaryOwner = Pick<ResolveDenoBinaryOptions, 'environmentId' | 'packageName' | 'require'>;

/**
 * Finds one environment package's Deno binary: the `denoPath` option, else `RLM_DENO_PATH` in
 * `environment` (default `process.env`), else the binary in `platformPackage` (default: this
 * platform's `@deno/*` package; `null` when Deno publishes none) installed beside the package.
 * Throws a `SandboxError` that says what to install or set when there is none.
 */
export type DenoBinaryResolver = (
  denoPath: string | undefined,
  environment?: NodeJS.ProcessEnv,
  platformPackage?: string | null,
) => string;

/**
 * {@link resolveDenoBinary} for one environment package, so that it can export it as its own:
 * `createDenoBinaryResolver({ environmentId: 'deno', packageName: '@rlm/env-deno', require: createRequire(import.meta.url) })`.
 */
export function createDenoBinaryResolver(owner: DenoBinaryOwner): DenoBinaryResolver {
  return (denoPath, environment, platformPackage) =>
    resolveDenoBinary({
      ...owner,
      denoPath,
      ...(environment !== undefined ? { environment } : {}),
      ...(platformPackage !== undefined ? { platformPackage } : {}),
    });
}

function findPackageBinary(platformPackage: string, require: ResolveDenoBinaryOptions['require']) {
  let manifest: string;
  try {
    manifest = require.resolve(`${platformPackage}/package.json`);
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

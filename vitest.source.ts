import { mergeConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The export condition under which every `@rlm/*` package points at its TypeScript source
 * (`exports["."]["@rlm/source"]`). Without it, a package resolves to its built `dist/`, as it does for
 * plain `node` and for users; the workspace's tests, type checks, benchmarks and builds ask for it.
 */
export const SOURCE_CONDITION = '@rlm/source';

/** The Node flag that makes Node itself (not only Vite) resolve the sources: workers, child processes. */
export const SOURCE_CONDITION_FLAG = `--conditions=${SOURCE_CONDITION}`;

/** Vite's server conditions with ours first (setting `conditions` replaces Vite's defaults). */
const conditions = [SOURCE_CONDITION, 'module', 'node', 'development|production'];

/**
 * The resolve settings every package's vitest config shares: Vite resolves `@rlm/*` to sources, and
 * so does Node in the test processes (`execArgv`), in worker threads (they inherit it) and in child
 * processes the tests start (`NODE_OPTIONS`). `nodeProcesses: false` leaves Node on the built
 * output: the CLI's tests run the built `rlm`, which must load environments as users get them.
 */
export function sourceConditions(options: { readonly nodeProcesses?: boolean } = {}): ViteUserConfig {
  const nodeProcesses = options.nodeProcesses ?? true;
  const nodeOptions = [process.env.NODE_OPTIONS, SOURCE_CONDITION_FLAG].filter(Boolean).join(' ');
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    ...(nodeProcesses
      ? { test: { execArgv: [SOURCE_CONDITION_FLAG], env: { NODE_OPTIONS: nodeOptions } } }
      : {}),
  };
}

/** What a package's vitest config may set beyond the shared defaults (`test` settings only). */
type PackageTestSettings = NonNullable<ViteUserConfig['test']>;

/**
 * A package's whole vitest config: the source resolution above, tests in `src/**\/*.test.ts`, a 60 s
 * test timeout, and the package's own `test` settings on top (arrays such as `execArgv` are appended
 * to the shared ones, as `mergeConfig` does).
 */
export function packageTestConfig(
  test: PackageTestSettings = {},
  options: { readonly nodeProcesses?: boolean } = {},
): ViteUserConfig {
  return mergeConfig(sourceConditions(options), {
    test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, ...test },
  });
}

import { createRequire } from 'node:module';
import { createDenoBinaryResolver } from '@rlm/core/environment';

export { DENO_PATH_VARIABLE, denoPlatformPackage } from '@rlm/core/environment';

/**
 * Finds the Deno binary to run: the `denoPath` option, else the `RLM_DENO_PATH` environment variable,
 * else the binary inside this platform's `@deno/*` package (an optional dependency of this package,
 * installed beside it, hence this package's own `require`). Nothing is downloaded. Throws a
 * `SandboxError` that says what to install or set when there is none.
 */
export const resolveDenoBinary = createDenoBinaryResolver({
  environmentId: 'deno',
  packageName: '@rlm/env-deno',
  require: createRequire(import.meta.url),
});

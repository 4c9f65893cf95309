import { createRequire } from 'node:module';
import { createDenoBinaryResolver } from '@rlm/core/environment';

/**
 * Finds the Deno binary that hosts the interpreter: the `denoPath` option, else `RLM_DENO_PATH`, else
 * the binary inside this platform's `@deno/*` package (an optional dependency of this package,
 * installed beside it, hence this package's own `require`).
 */
export const resolveDenoBinary = createDenoBinaryResolver({
  environmentId: 'pyodide',
  packageName: '@rlm/env-pyodide',
  require: createRequire(import.meta.url),
});

import { defineConfig, type UserConfig } from 'tsdown';

/**
 * The one build every package shares: ESM for Node 20 with declarations beside it. Imports of other
 * `@rlm/*` packages resolve to their TypeScript source (the `@rlm/source` export condition), so a
 * bundle never depends on how fresh another package's `dist/` is. Each package's `tsdown.config.ts`
 * passes only its entries and what is truly its own.
 */
export function definePackageBuild(config: UserConfig): UserConfig {
  return defineConfig({
    format: 'esm',
    dts: true,
    platform: 'node',
    target: 'node20',
    inputOptions: { resolve: { conditionNames: ['@rlm/source', 'node', 'import', 'default'] } },
    ...config,
  });
}

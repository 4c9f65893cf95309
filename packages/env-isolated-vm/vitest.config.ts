import { defineConfig, mergeConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.source.ts';

export default mergeConfig(
  sourceConditions(),
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: 60_000,
      // isolated-vm needs `--no-node-snapshot` on Node 20+ (without it, creating an isolate can crash
      // the process); worker threads cannot take that flag, child processes can.
      pool: 'forks',
      execArgv: ['--no-node-snapshot'],
    },
  }),
);

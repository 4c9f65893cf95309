import { defineConfig, mergeConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.source.ts';

export default mergeConfig(
  sourceConditions({ nodeProcesses: false }),
  defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);

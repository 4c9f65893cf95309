import { defineConfig, mergeConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.source.ts';

export default mergeConfig(
  sourceConditions(),
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: 60_000,
    },
  }),
);

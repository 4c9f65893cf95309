import { defineConfig } from 'vitest/config';

// No @rlm/source condition here: everything these tests touch must resolve as users get it (dist/).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/pack-global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

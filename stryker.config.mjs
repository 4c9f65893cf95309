// Mutation testing (`pnpm test:mutation`): StrykerJS plants small bugs ("mutants") in the code where
// a silent bug costs users most — the loop, limits, reply parsing, trajectories, provider-neutral
// retries and the providers' error mapping — and checks that some test fails for each.
//
// It mutates the files in place (the pnpm workspace's per-package node_modules links do not survive
// Stryker's sandbox copy) and restores them afterwards: run it on a clean checkout, and do not edit
// the mutated files while it runs. `--incremental` reuses reports/stryker-incremental.json and
// tests again only mutants whose code or covering tests changed. On 2 cores the whole set takes
// hours (see README, "Mutation testing"): pass `--mutate '<glob>'` to test one folder, or run the
// scheduled job `.ci/mutation`. Scores per folder: `node scripts/mutation-scores.mjs`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  inPlace: true,
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants) would need every test to run for each: left out.
  ignoreStatic: true,
  mutate: [
    'packages/core/src/{loop,limits,text,trajectory,providers}/**/*.ts',
    'packages/openai/src/{map-openai-error,detect-context-window-exceeded}.ts',
    'packages/anthropic/src/map-anthropic-error.ts',
    '!**/*.test.ts',
  ],
  // A mutant that hangs a call fails its test at the test's own (short) timeout, set in
  // vitest.mutation.config.ts; this is only the backstop for one that hangs the test runner itself.
  timeoutMS: 5_000,
  timeoutFactor: 1.5,
  concurrency: 2,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

// Mutation testing (`pnpm test:mutation`, scripts/mutation-testing.mjs): StrykerJS plants small bugs
// ("mutants") in the code where a silent bug costs users most — the loop, limits, reply parsing,
// trajectories, provider-neutral retries and the providers' error mapping — and checks that some test
// fails for each. One run per test suite (`RLM_MUTATION_SUITE`: core, integration, openai,
// anthropic, ai-sdk; see vitest.mutation.config.ts); a mutant counts as killed when any suite kills it.
//
// It mutates the files in place (the pnpm workspace's per-package node_modules links do not survive
// Stryker's sandbox copy) and restores them afterwards: run it on a clean checkout, and do not edit
// the mutated files while it runs. On 2 cores the whole set takes hours (see README, "Mutation
// testing"): pass `--mutate '<glob>,!**/*.test.ts'` to test one folder, or run the scheduled job
// `.ci/mutation`.
const suite = process.env.RLM_MUTATION_SUITE ?? 'core';
const CORE = 'packages/core/src/{loop,limits,text,trajectory,providers}/**/*.ts';
const PROVIDER_NEUTRAL = 'packages/core/src/providers/**/*.ts';
const MUTATE = {
  core: [CORE],
  integration: [CORE],
  openai: ['packages/openai/src/map-openai-error.ts', PROVIDER_NEUTRAL],
  anthropic: ['packages/anthropic/src/map-anthropic-error.ts', PROVIDER_NEUTRAL],
  'ai-sdk': [
    'packages/ai-sdk/src/{map-ai-sdk-error,convert-ai-sdk-usage,map-ai-sdk-finish-reason,ai-sdk-adapter-language-model}.ts',
    PROVIDER_NEUTRAL,
  ],
};
if (!(suite in MUTATE))
  throw new Error(`RLM_MUTATION_SUITE must be one of ${Object.keys(MUTATE).join(', ')}.`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  inPlace: true,
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants) would need every test to run for each: left out.
  ignoreStatic: true,
  mutate: [...MUTATE[suite], '!**/*.test.ts'],
  // A mutant that hangs a call fails its test at the test's own (short) timeout, set in
  // vitest.mutation.config.ts; this is only the backstop for one that hangs the test runner itself.
  timeoutMS: 5_000,
  timeoutFactor: 1.5,
  concurrency: 2,
  incrementalFile: `reports/mutation/${suite}/stryker-incremental.json`,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${suite}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${suite}/mutation.json` },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

import { defineConfig, mergeConfig } from 'vitest/config';
import { sourceConditions } from './vitest.source.ts';

/**
 * The tests one mutation-testing suite runs (`RLM_MUTATION_SUITE`, see stryker.config.mjs and
 * scripts/mutation-testing.mjs). One vitest project per run: Stryker's vitest runner loses the
 * per-test coverage of all but one project of a multi-project config (mutants then "survive" with no
 * test run), so each suite is its own run and the reports are merged.
 *
 * Test timeouts are short on purpose: a mutant that makes a call wait forever fails its test in
 * 10-30 s and stops the run (bail), where Stryker's own timeout would wait ~1.5x all covering tests.
 * Left out everywhere: the sandboxes' security suites, the subprocess/hostile runs and pure timing
 * checks, which cover no mutated file, take minutes instrumented, or measure speed.
 */
const SUITES = {
  core: {
    root: 'packages/core',
    include: ['src/**/*.test.ts'],
    exclude: ['src/testing/test-environment-security.test.ts', 'src/text/reply-parsing-linear-time.test.ts'],
    testTimeout: 30_000,
  },
  integration: {
    root: 'packages/integration-tests',
    // Instrumented code runs several times slower: bounds on CPU-bound work scale by this.
    env: { RLM_TEST_CPU_SLOWDOWN: '5' },
    include: [
      'src/loop.test.ts',
      'src/loop-limits.test.ts',
      'src/loop-reliability.test.ts',
      'src/untrusted-text.test.ts',
      'src/final-in-prose.test.ts',
      'src/host-functions.test.ts',
      'src/completion-api.test.ts',
      'src/turn-feedback.test.ts',
      'src/model-calls.test.ts',
      'src/sandbox-start-failure.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
  openai: {
    root: 'packages/openai',
    include: ['src/**/*.test.ts'],
    exclude: ['src/openai-conformance.test.ts'],
    testTimeout: 10_000,
  },
  anthropic: {
    root: 'packages/anthropic',
    include: ['src/**/*.test.ts'],
    exclude: ['src/anthropic-conformance.test.ts'],
    testTimeout: 10_000,
  },
  'ai-sdk': {
    root: 'packages/ai-sdk',
    include: ['src/from-ai-sdk*.test.ts', 'src/map-ai-sdk-error.test.ts'],
    exclude: ['src/from-ai-sdk-conformance.test.ts'],
    testTimeout: 10_000,
  },
} as const;

const suite = (process.env.RLM_MUTATION_SUITE ?? 'core') as keyof typeof SUITES;
if (!(suite in SUITES)) {
  throw new Error(`RLM_MUTATION_SUITE must be one of ${Object.keys(SUITES).join(', ')}; got '${suite}'.`);
}
const { root, ...test } = SUITES[suite];

// The sources, as every package's own vitest config resolves them: mutants live in src/, not dist/.
export default mergeConfig(sourceConditions(), defineConfig({ root, test: { ...test } }));

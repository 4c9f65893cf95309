import { defineConfig } from 'vitest/config';

/**
 * Test timeouts are short on purpose: a mutant that makes a call wait forever fails its test in
 * 10-30 s and stops the run (bail), where Stryker's own timeout would wait ~1.5x all covering tests.
 *
 * The tests mutation testing runs (`pnpm test:mutation`, see stryker.config.mjs): every test that
 * exercises the mutated code — core's unit tests, the loop's end-to-end tests over a real QuickJS
 * sandbox, and the providers' tests against a real local HTTP server. Left out: the sandboxes'
 * security suites and the subprocess/hostile runs, which cover no mutated file and take minutes.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'core',
          root: 'packages/core',
          include: ['src/**/*.test.ts'],
          // Timing checks: instrumented code is many times slower, and a mutant that made a parser
          // quadratic would time out in the other tests anyway.
          exclude: [
            'src/testing/test-environment-security.test.ts',
            'src/text/reply-parsing-linear-time.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
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
      },
      {
        test: {
          name: 'openai',
          root: 'packages/openai',
          include: ['src/**/*.test.ts'],
          exclude: ['src/openai-conformance.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'anthropic',
          root: 'packages/anthropic',
          include: ['src/**/*.test.ts'],
          exclude: ['src/anthropic-conformance.test.ts'],
          testTimeout: 10_000,
        },
      },
    ],
  },
});

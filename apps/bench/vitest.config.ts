import { packageTestConfig } from '../../vitest.source.ts';

// The offline end-to-end test runs the built `rlm-bench`, as users get it.
export default packageTestConfig(
  { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], hookTimeout: 60_000, testTimeout: 180_000 },
  { nodeProcesses: false },
);

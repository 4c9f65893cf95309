import { packageTestConfig } from '../../vitest.source.ts';

// Node stays on the built output here: the CLI's tests run the built `rlm` as users get it.
export default packageTestConfig(
  { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], hookTimeout: 60_000 },
  { nodeProcesses: false },
);

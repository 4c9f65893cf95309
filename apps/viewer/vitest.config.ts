import { packageTestConfig } from '../../vitest.source.ts';

// One test file drives one browser for every view (see test/viewer-browser.test.ts).
export default packageTestConfig({ include: ['src/**/*.test.ts', 'test/**/*.test.ts'], hookTimeout: 60_000 });

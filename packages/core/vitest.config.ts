import { packageTestConfig } from '../../vitest.source.ts';

export default packageTestConfig({ testTimeout: 30_000 });

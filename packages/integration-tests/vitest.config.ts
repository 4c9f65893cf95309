import { packageTestConfig } from '../../vitest.source.ts';

export default packageTestConfig({ hookTimeout: 60_000 });

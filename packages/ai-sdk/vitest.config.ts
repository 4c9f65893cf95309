import { packageTestConfig } from '../../vitest.source.ts';

export default packageTestConfig();

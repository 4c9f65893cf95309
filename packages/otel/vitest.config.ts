import { packageTestConfig, SOURCE_CONDITION } from '../../vitest.source.ts';

const config = packageTestConfig();
// The workspace resolves the `module` condition; @opentelemetry's ES builds under it import without
// file extensions, which only a bundler resolves. Node's own conditions load their CommonJS builds,
// as users' programs do.
const conditions = [SOURCE_CONDITION, 'node', 'development|production'];
config.resolve = { ...config.resolve, conditions };
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } };

export default config;

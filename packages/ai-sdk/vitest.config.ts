import { packageTestConfig, SOURCE_CONDITION } from '../../vitest.source.ts';

const config = packageTestConfig();
// `ai` imports @opentelemetry/api, whose ES build under the workspace's `module` condition imports
// without file extensions, which only a bundler resolves. Node's own conditions load its CommonJS
// build, as users' programs do (the same setting as @rlm/otel's tests).
const conditions = [SOURCE_CONDITION, 'node', 'development|production'];
config.resolve = { ...config.resolve, conditions };
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } };

export default config;

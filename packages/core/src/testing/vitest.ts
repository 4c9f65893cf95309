/**
 * `@rlm/core/testing/vitest`: the conformance suites every plugin runs, as vitest suites (vitest is
 * a peer dependency of this entry only). Call one inside a test file:
 * `testEnvironment(() => createMyEnvironment())`.
 */

export {
  type EmbeddingModelConformanceSetup,
  testEmbeddingModel,
} from '../embedding-model/test-embedding-model';
export {
  type CommonEnvironmentOptions,
  type EnvironmentCapabilities,
  testEnvironment,
} from './test-environment';
export {
  type ConformanceReply,
  type ConformanceRequest,
  type LanguageModelConformanceSetup,
  testLanguageModel,
} from './test-language-model';
export { type ToolConformanceCall, type ToolConformanceSetup, testTool } from './test-tool';

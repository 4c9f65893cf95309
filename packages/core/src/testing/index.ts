/**
 * `@rlm/core/testing`: test doubles that need no test runner — a scripted `MockLanguageModel` usable
 * from `node:test`, Jest, vitest or a plain script. The conformance suites, which are vitest suites,
 * are in `@rlm/core/testing/vitest`.
 */

export {
  type MockCall,
  MockLanguageModel,
  type MockLanguageModelOptions,
  type MockReply,
  type MockRequest,
  type MockResult,
} from './mock-language-model';

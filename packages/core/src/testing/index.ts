export {
  type MockCall,
  MockLanguageModel,
  type MockLanguageModelOptions,
  type MockReply,
  type MockRequest,
  type MockResult,
} from './mock-language-model';
export { type EnvironmentCapabilities, testEnvironment } from './test-environment';
export {
  type ConformanceReply,
  type ConformanceRequest,
  type LanguageModelConformanceSetup,
  testLanguageModel,
} from './test-language-model';

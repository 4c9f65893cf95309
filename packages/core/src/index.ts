export type { ContextValue, JsonValue } from './environment/context-value';
export type {
  CellError,
  CellErrorKind,
  CellResult,
  FinalAnswer,
  HostFunction,
  ReplEnvironment,
  ReplLanguage,
  ReplSession,
  ReplSessionOptions,
  RunCellOptions,
} from './environment/repl-environment';
export { APICallError, isRetryableStatus } from './errors/api-call-error';
export { ContextWindowExceededError } from './errors/context-window-exceeded-error';
export { InvalidArgumentError } from './errors/invalid-argument-error';
export { RLMError } from './errors/rlm-error';
export { SandboxError } from './errors/sandbox-error';
export { UnsupportedSpecificationError } from './errors/unsupported-specification-error';
export type {
  ChatMessage,
  FinishReason,
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelResult,
  LanguageModelUsage,
} from './language-model/language-model';
export type { JsonSchema, Tool, ToolExecuteOptions } from './tool/tool';

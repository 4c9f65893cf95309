export type { ContextValue, JsonValue } from './environment/context-value';
export type {
  CellError,
  CellErrorKind,
  CellResult,
  FinalAnswer,
  HostCallOptions,
  HostFunction,
  ReplEnvironment,
  ReplLanguage,
  ReplSession,
  ReplSessionOptions,
  RunCellOptions,
} from './environment/repl-environment';
export {
  APICallError,
  type APICallErrorOptions,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  isRetryableStatus,
  ModelNotFoundError,
  RateLimitError,
} from './errors/api-call-error';
export { ContextWindowExceededError } from './errors/context-window-exceeded-error';
export { InvalidArgumentError } from './errors/invalid-argument-error';
export { LimitExceededError } from './errors/limit-exceeded-error';
export { RLMError, type RLMErrorOptions } from './errors/rlm-error';
export { RunAbortedError } from './errors/run-aborted-error';
export { SandboxError } from './errors/sandbox-error';
export { UnsupportedSpecificationError } from './errors/unsupported-specification-error';
export type * from './events/rlm-event';
export { findCellErrorLocation } from './javascript/cell-error-location';
export {
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  JAVASCRIPT_PRELUDE_SOURCE,
  JAVASCRIPT_REMOVED_GLOBALS,
  JAVASCRIPT_RESERVED_NAMES,
  type JavaScriptPrelude,
  type JavaScriptPreludeBridge,
  type JavaScriptPreludeCellOutput,
  type JavaScriptPreludeControl,
  type JavaScriptPreludeErrorDescription,
  type JavaScriptPreludeOptions,
} from './javascript/javascript-prelude';
export {
  type JavaScriptCellSyntaxError,
  type RewrittenJavaScriptCell,
  rewriteJavaScriptCell,
} from './javascript/rewrite-javascript-cell';
export type {
  ChatMessage,
  FinishReason,
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelResult,
  LanguageModelUsage,
} from './language-model/language-model';
export { ConcurrencyLimiter } from './limits/concurrency-limiter';
export { DEFAULT_LIMITS, type LimitName, type RLMLimits } from './limits/rlm-limits';
export {
  type CompletionOptions,
  createRLM,
  type RLM,
  type RLMResult,
  type RLMStream,
} from './loop/create-rlm';
export { describeContext } from './loop/describe-context';
export { RESERVED_NAMES } from './loop/reserved-names';
export type { RLMSettings } from './loop/rlm-settings';
export { javascriptSystemPrompt } from './prompts/javascript-system-prompt';
export type { SystemPromptOptions } from './prompts/system-prompt-options';
export { type ParsedModelId, parseModelId } from './providers/model-id';
export { computeCostUsd, type ModelPricing } from './providers/model-pricing';
export {
  DEFAULT_MAX_RATE_LIMIT_RETRIES,
  DEFAULT_MAX_RETRIES,
  parseRetryAfter,
  type RetryOptions,
  retryWithBackoff,
} from './providers/retry-with-backoff';
export { CHARACTERS_PER_TOKEN, estimateTokens } from './text/estimate-tokens';
export { type CodeBlock, extractFencedBlocks, extractRunnableCodeBlocks } from './text/extract-code-blocks';
export { truncateOutput } from './text/truncate-output';
export type { JsonSchema, Tool, ToolExecuteOptions } from './tool/tool';
export type {
  AnswerSource,
  ContextSummary,
  Trajectory,
  TrajectoryCodeBlock,
  TrajectoryIteration,
  TrajectoryMetadata,
  TrajectorySubCall,
  TrajectoryTextCut,
} from './trajectory/trajectory';
export {
  parseTrajectoryJsonl,
  readTrajectoryJsonl,
  type TrajectoryJsonlOptions,
  trajectoryToJsonl,
  writeTrajectoryJsonl,
} from './trajectory/trajectory-jsonl';
export type { FailedSubCallReason, FailedSubCalls } from './usage/failed-sub-calls';
export type { RunUsage, UsageTotals } from './usage/usage-totals';

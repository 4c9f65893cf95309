/**
 * `@rlm/core`: what every user of an RLM needs — `createRLM`, the plugin contracts (model, REPL
 * environment, tool), events, errors, limits, trajectories and the text helpers. Authors of plugins
 * also import `@rlm/core/environment` (the REPL kit), `@rlm/core/provider` (retries, pricing, model
 * ids), `@rlm/core/testing` (mocks, no test runner) and `@rlm/core/testing/vitest` (the suites).
 */

export { checkEmbeddingModel } from './embedding-model/check-embedding-model';
export type {
  EmbeddingModel,
  EmbeddingModelCallOptions,
  EmbeddingModelResult,
  EmbeddingModelUsage,
} from './embedding-model/embedding-model';
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
  ReplVariable,
  RunCellOptions,
} from './environment/repl-environment';
export { AnswerValidationError } from './errors/answer-validation-error';
export {
  APICallError,
  type APICallErrorOptions,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
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
export type {
  ChatMessage,
  FinishReason,
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelResult,
  LanguageModelUsage,
} from './language-model/language-model';
export type { ConcurrencyChangeReason } from './limits/concurrency-window';
export { DEFAULT_LIMITS, type LimitName, type RLMLimits } from './limits/rlm-limits';
export { checkResume, type ResumeInputs, type ResumePlan } from './loop/check-resume';
export {
  type CompletionOptions,
  createRLM,
  type ResumeOptions,
  type ResumeReport,
  type RLM,
  type RLMResult,
  type RLMStream,
} from './loop/create-rlm';
export { describeContext } from './loop/describe-context';
export { RESERVED_NAMES } from './loop/reserved-names';
export { DEFAULT_INITIAL_CONCURRENCY, DEFAULT_MAX_CONCURRENCY } from './loop/resolve-settings';
export type { RLMSession, SessionCompletionOptions, SessionOptions } from './loop/rlm-session';
export type { ConcurrencyOptions, RLMSettings } from './loop/rlm-settings';
export {
  MODEL_CALL_KEY_VERSION,
  type ModelCallKeyInput,
  modelCallKey,
  replayCallKey,
} from './model-call-store/model-call-key';
export type {
  ModelCallKey,
  ModelCallStore,
  RecordedModelCall,
  StoredModelCall,
} from './model-call-store/model-call-store';
export { createReplayStore, type ReplayStore } from './model-call-store/replay-store';
export { javascriptSystemPrompt } from './prompts/javascript-system-prompt';
export { pythonSystemPrompt } from './prompts/python-system-prompt';
export type { SystemPromptOptions } from './prompts/system-prompt-options';
export type { AnswerSchema, InferAnswer } from './schema/answer-schema';
export type { StandardJSONSchemaV1, StandardSchemaV1 } from './schema/standard-schema';
export { type SchemaIssue, validateJsonSchema } from './schema/validate-json-schema';
export { CHARACTERS_PER_TOKEN, estimateTokens } from './text/estimate-tokens';
export { type CodeBlock, extractFencedBlocks, extractRunnableCodeBlocks } from './text/extract-code-blocks';
export { groupDigits } from './text/group-digits';
export { truncateOutput } from './text/truncate-output';
export { readToolInteger, readToolParameters, readToolText } from './tool/read-tool-parameters';
export type { JsonSchema, Tool, ToolExecuteOptions } from './tool/tool';
export { contextSha256 } from './trajectory/context-sha256';
export type {
  AnswerSource,
  ContextSummary,
  Trajectory,
  TrajectoryCodeBlock,
  TrajectoryCompaction,
  TrajectoryIteration,
  TrajectoryMetadata,
  TrajectorySession,
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
export { openTrajectoryJsonlWriter, type TrajectoryJsonlWriter } from './trajectory/trajectory-jsonl-writer';
export type { TrajectoryWriter } from './trajectory/trajectory-writer';
export type { FailedSubCallReason, FailedSubCalls } from './usage/failed-sub-calls';
export type { RunUsage, UsageTotals } from './usage/usage-totals';

/**
 * Attribute names of the spans: the OpenTelemetry GenAI semantic conventions where one fits (they
 * are still "development" status, so they are written out here rather than imported from
 * `@opentelemetry/semantic-conventions`, which would be a second dependency for a dozen strings),
 * and ours under `rlm.` for what the conventions do not name.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  /** The older name of `gen_ai.provider.name`, still read by many back ends. */
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  toolName: 'gen_ai.tool.name',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
} as const;

/** `gen_ai.operation.name` values. */
export const GEN_AI_OPERATION = {
  chat: 'chat',
  invokeAgent: 'invoke_agent',
  executeTool: 'execute_tool',
} as const;

/** The general convention's error attribute: the error's class name. */
export const ERROR_TYPE = 'error.type';

/** Our attributes. */
export const RLM = {
  runId: 'rlm.run.id',
  parentRunId: 'rlm.run.parent_id',
  depth: 'rlm.depth',
  subModel: 'rlm.sub_model',
  contextCharacters: 'rlm.context.characters',
  contextParts: 'rlm.context.parts',
  costUsd: 'rlm.cost_usd',
  calls: 'rlm.usage.calls',
  answerSource: 'rlm.answer_source',
  durationMs: 'rlm.duration_ms',
  failedSubCalls: 'rlm.sub_calls.failed',
  totalSubCalls: 'rlm.sub_calls.total',
  turn: 'rlm.turn',
  maxTurns: 'rlm.max_turns',
  finalAnswer: 'rlm.turn.final',
  modelCallRole: 'rlm.model_call.role',
  servedFrom: 'rlm.served_from',
  promptCharacters: 'rlm.prompt_characters',
  reasoningTokens: 'rlm.usage.reasoning_tokens',
  cellIndex: 'rlm.cell.index',
  cellDurationMs: 'rlm.cell.duration_ms',
  cellOutputCharacters: 'rlm.cell.output_characters',
  cellDroppedOutputCharacters: 'rlm.cell.dropped_output_characters',
  cellErrorKind: 'rlm.cell.error_kind',
  cellFinal: 'rlm.cell.final',
  cellStateLost: 'rlm.cell.state_lost',
  cellCode: 'rlm.cell.code',
  subCallKind: 'rlm.sub_call.kind',
  subCallOutcome: 'rlm.sub_call.outcome',
  promptPreview: 'rlm.sub_call.prompt_preview',
  responsePreview: 'rlm.sub_call.response_preview',
  question: 'rlm.question',
  answer: 'rlm.answer',
  unfinished: 'rlm.unfinished',
} as const;

import {
  InvalidArgumentError,
  type JSONObject,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3GenerateResult,
  type LanguageModelV3StreamPart,
  type LanguageModelV3StreamResult,
  type LanguageModelV3Usage,
  type SharedV3ProviderMetadata,
  type SharedV3Warning,
} from '@ai-sdk/provider';
import type { CompletionOptions, ContextValue, RLMLimits, RLMResult, RunUsage } from '@rlm/core';
import { RLM_PROVIDER_NAME, type RLMModelProviderOptions, type RLMModelSettings } from './rlm-model-settings';
import { rlmProgress } from './rlm-progress';
import { rlmQuestionFromPrompt } from './rlm-question-from-prompt';

/** One call's run: the question, its completion options, and the warnings to report. */
interface PreparedRun {
  readonly question: string;
  readonly options: CompletionOptions<object | undefined>;
  readonly warnings: SharedV3Warning[];
  /** Set when the caller asked for JSON with a schema: the answer is the validated value, as JSON text. */
  readonly json: boolean;
}

/**
 * An RLM as an AI SDK language model (specification V3: AI SDK 6, and 7 through its upgrade), so
 * that `generateText` and `streamText` run it. Made by `rlmModel({ rlm, context })`.
 */
export class RLMLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3' as const;
  readonly provider = RLM_PROVIDER_NAME;
  readonly modelId: string;
  /** The RLM reads no URLs itself: files belong in the context. */
  readonly supportedUrls: Record<string, RegExp[]> = {};
  private readonly settings: RLMModelSettings;

  constructor(settings: RLMModelSettings) {
    this.settings = settings;
    this.modelId = settings.modelId ?? 'rlm';
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const run = this.prepare(options);
    const result = await this.settings.rlm.completion(run.question, run.options);
    return {
      content: [{ type: 'text', text: answerText(result, run.json) }],
      finishReason: { unified: 'stop', raw: result.answerSource },
      usage: convertRunUsage(result.usage),
      providerMetadata: runMetadata(result),
      response: { modelId: this.modelId, timestamp: new Date() },
      warnings: run.warnings,
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const run = this.prepare(options);
    // Cancelling the stream (the consumer stopped reading) stops the run as an abort would.
    const cancel = new AbortController();
    const signal = run.options.signal ? AbortSignal.any([run.options.signal, cancel.signal]) : cancel.signal;
    const events = this.settings.rlm.stream(run.question, { ...run.options, signal });
    const modelId = this.modelId;
    const includeRaw = options.includeRawChunks === true;
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      async start(controller) {
        controller.enqueue({ type: 'stream-start', warnings: run.warnings });
        controller.enqueue({ type: 'response-metadata', modelId, timestamp: new Date() });
        let reasoningOpen = false;
        // A failed root run still spent tokens: its last event says how many.
        let failedRunUsage: RunUsage | undefined;
        try {
          for await (const event of events) {
            if (includeRaw) controller.enqueue({ type: 'raw', rawValue: event });
            if (event.type === 'run-error' && event.depth === 0) failedRunUsage = event.usage;
            const progress = rlmProgress(event);
            if (!progress) continue;
            if (!reasoningOpen) {
              controller.enqueue({ type: 'reasoning-start', id: PROGRESS_ID });
              reasoningOpen = true;
            }
            controller.enqueue({
              type: 'reasoning-delta',
              id: PROGRESS_ID,
              delta: `${progress.line}\n`,
              providerMetadata: { [RLM_PROVIDER_NAME]: { progress: progress.event as JSONObject } },
            });
          }
        } catch {
          // The iteration ends with the run; its outcome is read from `result` below.
        }
        if (reasoningOpen) controller.enqueue({ type: 'reasoning-end', id: PROGRESS_ID });
        try {
          const result = await events.result;
          controller.enqueue({ type: 'text-start', id: ANSWER_ID });
          controller.enqueue({ type: 'text-delta', id: ANSWER_ID, delta: answerText(result, run.json) });
          controller.enqueue({ type: 'text-end', id: ANSWER_ID });
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: 'stop', raw: result.answerSource },
            usage: convertRunUsage(result.usage),
            providerMetadata: runMetadata(result),
          });
        } catch (error) {
          controller.enqueue({ type: 'error', error });
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: 'error', raw: errorName(error) },
            usage: failedRunUsage ? convertRunUsage(failedRunUsage) : emptyUsage(),
          });
        }
        controller.close();
      },
      cancel(reason) {
        cancel.abort(reason);
      },
    });
    return { stream };
  }

  /** The question, context, limits, signal and schema of one call, checked. */
  private prepare(options: LanguageModelV3CallOptions): PreparedRun {
    const { question, warnings } = rlmQuestionFromPrompt(options.prompt);
    const own = readProviderOptions(options.providerOptions?.[RLM_PROVIDER_NAME]);
    const context = own.context ?? this.settings.context;
    if (context === undefined) {
      throw new InvalidArgumentError({
        argument: 'providerOptions.rlm.context',
        message:
          'An RLM model needs a context to answer from: pass it to rlmModel({ rlm, context }), or per call as ' +
          'providerOptions: { rlm: { context } } of generateText / streamText.',
      });
    }
    for (const [feature, given] of [
      ['temperature', options.temperature],
      ['topP', options.topP],
      ['topK', options.topK],
      ['presencePenalty', options.presencePenalty],
      ['frequencyPenalty', options.frequencyPenalty],
      ['seed', options.seed],
      ['stopSequences', options.stopSequences],
      ['maxOutputTokens', options.maxOutputTokens],
    ] as const) {
      if (given !== undefined) {
        warnings.push({
          type: 'unsupported',
          feature,
          details: "An RLM makes many model calls; set this on the RLM's own models (createRLM).",
        });
      }
    }
    if (options.tools && options.tools.length > 0) {
      warnings.push({
        type: 'unsupported',
        feature: 'tools',
        details: "The RLM's code runs its own tools: give them to createRLM({ tools }).",
      });
    }
    const format = options.responseFormat;
    const schema = format?.type === 'json' ? format.schema : undefined;
    if (format?.type === 'json' && schema === undefined) {
      warnings.push({
        type: 'unsupported',
        feature: 'responseFormat',
        details:
          'JSON without a schema: the answer is the RLM’s text. Give a schema to get a validated value.',
      });
    }
    const limits = mergeLimits(this.settings.limits, own.limits);
    return {
      question,
      warnings,
      json: schema !== undefined,
      options: {
        context,
        ...(limits ? { limits } : {}),
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
        ...(schema === undefined ? {} : { schema: schema as object }),
      },
    };
  }
}

const PROGRESS_ID = 'rlm-progress';
const ANSWER_ID = 'rlm-answer';

function readProviderOptions(value: unknown): RLMModelProviderOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({
      argument: 'providerOptions.rlm',
      message: `providerOptions.rlm must be an object such as { context: "…", limits: { maxTurns: 10 } }; got ${Array.isArray(value) ? 'an array' : String(value)}.`,
    });
  }
  const record = value as Record<string, unknown>;
  if (record.limits !== undefined && (typeof record.limits !== 'object' || record.limits === null)) {
    throw new InvalidArgumentError({
      argument: 'providerOptions.rlm.limits',
      message: `providerOptions.rlm.limits must be an object of limits ({ maxTurns: 10, maxCostUsd: 1 }); got ${String(record.limits)}.`,
    });
  }
  return {
    ...(record.context === undefined ? {} : { context: record.context as ContextValue }),
    ...(record.limits === undefined ? {} : { limits: record.limits as RLMLimits }),
  };
}

function mergeLimits(base: RLMLimits | undefined, call: RLMLimits | undefined): RLMLimits | undefined {
  if (!base) return call;
  if (!call) return base;
  return { ...base, ...call };
}

/** The answer as text: the text itself, or a schema's validated value as JSON. */
function answerText(result: RLMResult<unknown>, json: boolean): string {
  if (json || typeof result.answer !== 'string') return JSON.stringify(result.answer);
  return result.answer;
}

/** The run's total usage (every model call of the tree) in the AI SDK's V3 shape. */
export function convertRunUsage(usage: RunUsage): LanguageModelV3Usage {
  const total = usage.total;
  return {
    inputTokens: {
      total: total.inputTokens,
      noCache: total.inputTokens - total.cachedInputTokens,
      cacheRead: total.cachedInputTokens,
      cacheWrite: undefined,
    },
    outputTokens: { total: total.outputTokens, text: undefined, reasoning: undefined },
    raw: { ...total },
  };
}

function emptyUsage(): LanguageModelV3Usage {
  return {
    inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: undefined },
    outputTokens: { total: 0, text: undefined, reasoning: undefined },
  };
}

/** What the run adds to the AI SDK's result, under `providerMetadata.rlm`. */
function runMetadata(result: RLMResult<unknown>): SharedV3ProviderMetadata {
  const byModel: JSONObject = {};
  for (const [model, totals] of Object.entries(result.usage.byModel)) byModel[model] = { ...totals };
  return {
    [RLM_PROVIDER_NAME]: {
      answerSource: result.answerSource,
      costUsd: result.costUsd,
      turns: result.turns,
      durationMs: result.durationMs,
      calls: result.usage.total.calls,
      callsWithUnknownCost: result.usage.total.callsWithUnknownCost,
      failedSubCalls: { count: result.failedSubCalls.count, total: result.failedSubCalls.total },
      byModel,
    },
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'error';
}

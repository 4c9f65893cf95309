import {
  type Attributes,
  type Context,
  context as contextApi,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { LanguageModelUsage, RLMEvent, RLMEventListener } from '@rlm/core';
import packageJson from '../package.json' with { type: 'json' };
import { ERROR_TYPE, GEN_AI, GEN_AI_OPERATION, RLM } from './span-attributes';

/** Options of {@link createOpenTelemetryListener}. */
export interface OpenTelemetryListenerOptions {
  /** The tracer to make spans with. Default: `trace.getTracer('@rlm/otel')` of the global provider. */
  readonly tracer?: Tracer;
  /**
   * The context a root run's span is a child of. Default: the context active when the run starts,
   * so a run inside your request's span nests under it (with a context manager registered, as the
   * Node SDK does).
   */
  readonly parentContext?: Context;
  /**
   * Also record text: the question, the answer, each cell's code and the sub-calls' prompt and
   * answer previews (their first 200 characters). Default `false`: prompts and context often hold
   * data that must not leave the process, and GenAI back ends treat content as opt-in too.
   */
  readonly recordContent?: boolean;
}

interface OpenSpan {
  readonly span: Span;
  readonly context: Context;
}

/** What is open of one run: its span, its current turn and cell, and every span it opened. */
interface RunSpans extends OpenSpan {
  turn?: OpenSpan;
  cell?: OpenSpan;
  readonly open: Set<Span>;
}

/**
 * An event listener that turns a run's events into OpenTelemetry spans, nested as the run nests:
 *
 * ```
 * invoke_agent rlm                      (the run; a child run is the same, one level down)
 * ├─ rlm.turn                           (one per turn)
 * │  ├─ chat <root model>               (the root model's call)
 * │  └─ rlm.cell                        (each code block)
 * │     ├─ llm_query                    (a sub-call) ─ chat <sub-model>
 * │     ├─ rlm_query                    (a child RLM) ─ invoke_agent rlm ─ …
 * │     └─ execute_tool <name>          (a tool call)
 * └─ chat <root model>                  (the fallback answer after the last turn)
 * ```
 *
 * Pass it as `onEvent` to `createRLM` (every run) or to one `completion`. Spans carry the GenAI
 * semantic-convention attributes (`gen_ai.operation.name`, `gen_ai.request.model`,
 * `gen_ai.usage.input_tokens`, …) and ours (`rlm.depth`, `rlm.cost_usd`, `rlm.cell.duration_ms`, …);
 * errors set the span's status. Times are the events' own, so spans are right even when the
 * listener runs late. Only `@opentelemetry/api` is used: with no SDK registered, spans cost nothing.
 */
export function createOpenTelemetryListener(options: OpenTelemetryListenerOptions = {}): RLMEventListener {
  const tracer = options.tracer ?? trace.getTracer(packageJson.name, packageJson.version);
  const recordContent = options.recordContent === true;
  const runs = new Map<string, RunSpans>();
  /** Model calls and sub-calls in flight, by `callId` (ids are unique within a run tree and prefixed by kind). */
  const calls = new Map<string, OpenSpan & { readonly runId: string }>();

  const open = (
    name: string,
    parent: Context,
    kind: SpanKind,
    attributes: Attributes,
    startTime: number,
  ): OpenSpan => {
    const span = tracer.startSpan(name, { kind, attributes, startTime }, parent);
    return { span, context: trace.setSpan(parent, span) };
  };
  /** The innermost open span of a run a new span belongs in. */
  const innermost = (run: RunSpans): OpenSpan => run.cell ?? run.turn ?? run;
  const close = (run: RunSpans | undefined, span: Span, time: number) => {
    run?.open.delete(span);
    span.end(time);
  };

  return (event: RLMEvent) => {
    const run = runs.get(event.runId);
    const time = event.timestamp;
    switch (event.type) {
      case 'run-start': {
        const parent =
          (event.parentCallId ? calls.get(event.parentCallId)?.context : undefined) ??
          (event.parentRunId ? runs.get(event.parentRunId)?.context : undefined) ??
          options.parentContext ??
          contextApi.active();
        const span = open(
          `${GEN_AI_OPERATION.invokeAgent} rlm`,
          parent,
          SpanKind.INTERNAL,
          {
            [GEN_AI.operationName]: GEN_AI_OPERATION.invokeAgent,
            [GEN_AI.agentName]: 'rlm',
            [GEN_AI.agentId]: event.runId,
            [GEN_AI.requestModel]: modelIdOf(event.rootModel),
            [GEN_AI.providerName]: providerOf(event.rootModel),
            [RLM.runId]: event.runId,
            [RLM.depth]: event.depth,
            [RLM.subModel]: event.subModel,
            [RLM.contextCharacters]: event.context.totalCharacters,
            [RLM.contextParts]: event.context.parts,
            ...(event.parentRunId ? { [RLM.parentRunId]: event.parentRunId } : {}),
            ...(recordContent ? { [RLM.question]: event.question } : {}),
          },
          time,
        );
        runs.set(event.runId, { ...span, open: new Set() });
        return;
      }
      case 'turn-start': {
        if (!run) return;
        if (run.turn) close(run, run.turn.span, time);
        run.turn = open('rlm.turn', run.context, SpanKind.INTERNAL, turnAttributes(event), time);
        run.open.add(run.turn.span);
        return;
      }
      case 'turn-end': {
        if (!run?.turn) return;
        if (event.finalAnswer !== undefined) run.turn.span.setAttribute(RLM.finalAnswer, true);
        close(run, run.turn.span, time);
        run.turn = undefined;
        return;
      }
      case 'cell-start': {
        if (!run) return;
        const parent = run.turn ?? run;
        run.cell = open(
          'rlm.cell',
          parent.context,
          SpanKind.INTERNAL,
          {
            [RLM.depth]: event.depth,
            [RLM.turn]: event.turn,
            [RLM.cellIndex]: event.index,
            ...(recordContent ? { [RLM.cellCode]: event.code } : {}),
          },
          time,
        );
        run.open.add(run.cell.span);
        return;
      }
      case 'cell-end': {
        if (!run?.cell) return;
        const { span } = run.cell;
        const { result } = event;
        span.setAttributes({
          [RLM.cellDurationMs]: result.durationMs,
          [RLM.cellOutputCharacters]: result.stdout.length + result.stderr.length,
          [RLM.cellDroppedOutputCharacters]: result.droppedOutputChars,
          ...(result.final ? { [RLM.cellFinal]: true } : {}),
          ...(result.stateLost ? { [RLM.cellStateLost]: result.stateLost } : {}),
        });
        if (result.error) {
          span.setAttribute(RLM.cellErrorKind, result.error.kind);
          markFailed(span, result.error);
        }
        close(run, span, time);
        run.cell = undefined;
        return;
      }
      case 'model-call-start': {
        if (!run) return;
        const parent = (event.subCallId ? calls.get(event.subCallId) : undefined) ?? innermost(run);
        const call = open(
          `${GEN_AI_OPERATION.chat} ${modelIdOf(event.model)}`,
          parent.context,
          SpanKind.CLIENT,
          {
            [GEN_AI.operationName]: GEN_AI_OPERATION.chat,
            [GEN_AI.providerName]: providerOf(event.model),
            [GEN_AI.system]: providerOf(event.model),
            [GEN_AI.requestModel]: modelIdOf(event.model),
            [RLM.depth]: event.depth,
            [RLM.modelCallRole]: event.role,
            [RLM.promptCharacters]: event.promptCharacters,
            ...(event.servedFrom ? { [RLM.servedFrom]: event.servedFrom } : {}),
          },
          time,
        );
        calls.set(event.callId, { ...call, runId: event.runId });
        run.open.add(call.span);
        return;
      }
      case 'model-call-end': {
        const call = calls.get(event.callId);
        if (!call) return;
        calls.delete(event.callId);
        call.span.setAttributes({
          ...usageAttributes(event.usage),
          ...(event.costUsd === undefined ? {} : { [RLM.costUsd]: event.costUsd }),
          ...(event.finishReason ? { [GEN_AI.finishReasons]: [event.finishReason] } : {}),
          [RLM.durationMs]: event.durationMs,
        });
        if (event.error) markFailed(call.span, event.error);
        close(runs.get(call.runId), call.span, time);
        return;
      }
      case 'sub-call-start': {
        if (!run) return;
        const call = open(
          event.kind === 'rlm' ? 'rlm_query' : 'llm_query',
          innermost(run).context,
          SpanKind.INTERNAL,
          {
            [RLM.subCallKind]: event.kind,
            [GEN_AI.requestModel]: modelIdOf(event.model),
            [RLM.depth]: event.depth,
            [RLM.promptCharacters]: event.promptCharacters,
            ...(recordContent && event.promptPreview !== undefined
              ? { [RLM.promptPreview]: event.promptPreview }
              : {}),
          },
          time,
        );
        calls.set(event.callId, { ...call, runId: event.runId });
        run.open.add(call.span);
        return;
      }
      case 'sub-call-end': {
        const call = calls.get(event.callId);
        if (!call) return;
        calls.delete(event.callId);
        call.span.setAttributes({
          [RLM.durationMs]: event.durationMs,
          ...(event.outcome ? { [RLM.subCallOutcome]: event.outcome } : {}),
          ...(event.servedFrom ? { [RLM.servedFrom]: event.servedFrom } : {}),
          ...(recordContent && event.responsePreview !== undefined
            ? { [RLM.responsePreview]: event.responsePreview }
            : {}),
        });
        // Abandoned: the cell that made it moved on; nothing failed that anyone waited for.
        if (event.error && event.outcome !== 'abandoned') markFailed(call.span, event.error);
        close(runs.get(call.runId), call.span, time);
        return;
      }
      case 'tool-call': {
        if (!run) return;
        // The event comes once the tool is done: the span is drawn back to when it started.
        const tool = open(
          `${GEN_AI_OPERATION.executeTool} ${event.toolName}`,
          innermost(run).context,
          SpanKind.INTERNAL,
          {
            [GEN_AI.operationName]: GEN_AI_OPERATION.executeTool,
            [GEN_AI.toolName]: event.toolName,
            [RLM.depth]: event.depth,
            [RLM.durationMs]: event.durationMs,
          },
          time - event.durationMs,
        );
        if (event.error) markFailed(tool.span, event.error);
        tool.span.end(time);
        return;
      }
      case 'compaction': {
        run?.span.addEvent(
          'rlm.compaction',
          {
            'rlm.compaction.scope': event.scope,
            'rlm.compaction.from': event.from,
            'rlm.compaction.to': event.to,
            'rlm.compaction.tokens_before': event.tokensBefore,
            'rlm.compaction.tokens_after': event.tokensAfter,
          },
          time,
        );
        return;
      }
      case 'concurrency-change': {
        run?.span.addEvent(
          'rlm.concurrency_change',
          {
            [GEN_AI.requestModel]: modelIdOf(event.model),
            'rlm.concurrency.window': event.window,
            'rlm.concurrency.previous_window': event.previousWindow,
            'rlm.concurrency.reason': event.reason,
          },
          time,
        );
        return;
      }
      case 'run-end':
      case 'run-error': {
        if (!run) return;
        runs.delete(event.runId);
        const total = event.usage.total;
        run.span.setAttributes({
          [GEN_AI.inputTokens]: total.inputTokens,
          [GEN_AI.outputTokens]: total.outputTokens,
          [GEN_AI.cacheReadInputTokens]: total.cachedInputTokens,
          [RLM.costUsd]: total.costUsd,
          [RLM.calls]: total.calls,
          [RLM.durationMs]: event.durationMs,
          [RLM.failedSubCalls]: event.failedSubCalls.count,
          [RLM.totalSubCalls]: event.failedSubCalls.total,
        });
        if (event.type === 'run-end') {
          run.span.setAttribute(RLM.answerSource, event.answerSource);
          if (recordContent) run.span.setAttribute(RLM.answer, event.answer);
        } else {
          markFailed(run.span, event.error);
        }
        // A run that stopped (a limit, an abort) leaves calls and cells it never closed: they end
        // with it, marked, so that no span is lost and none outlives its parent.
        for (const span of run.open) {
          span.setAttribute(RLM.unfinished, true);
          span.end(time);
        }
        for (const [callId, call] of calls) if (call.runId === event.runId) calls.delete(callId);
        run.span.end(time);
        return;
      }
    }
  };
}

function turnAttributes(event: Extract<RLMEvent, { type: 'turn-start' }>): Attributes {
  return { [RLM.depth]: event.depth, [RLM.turn]: event.turn, [RLM.maxTurns]: event.maxTurns };
}

function usageAttributes(usage: LanguageModelUsage | undefined): Attributes {
  if (!usage) return {};
  return {
    [GEN_AI.inputTokens]: usage.inputTokens,
    [GEN_AI.outputTokens]: usage.outputTokens,
    ...(usage.cachedInputTokens === undefined
      ? {}
      : { [GEN_AI.cacheReadInputTokens]: usage.cachedInputTokens }),
    ...(usage.cacheWriteInputTokens === undefined
      ? {}
      : { [GEN_AI.cacheCreationInputTokens]: usage.cacheWriteInputTokens }),
    ...(usage.reasoningTokens === undefined ? {} : { [RLM.reasoningTokens]: usage.reasoningTokens }),
  };
}

function markFailed(span: Span, error: { readonly name: string; readonly message: string }): void {
  span.setAttribute(ERROR_TYPE, error.name);
  span.recordException({ name: error.name, message: error.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** `'openai'` of `'openai:gpt-5'`. */
function providerOf(model: string): string {
  const colon = model.indexOf(':');
  return colon === -1 ? model : model.slice(0, colon);
}

/** `'gpt-5'` of `'openai:gpt-5'`. */
function modelIdOf(model: string): string {
  const colon = model.indexOf(':');
  return colon === -1 ? model : model.slice(colon + 1);
}

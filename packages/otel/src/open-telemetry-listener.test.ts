import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createRLM, type RLMSettings } from '@rlm/core';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenTelemetryListener, type OpenTelemetryListenerOptions } from './index';

/** A real tracer provider exporting to memory, and a processor that counts spans started and ended. */
function tracing() {
  const exporter = new InMemorySpanExporter();
  const counts = { started: 0, ended: 0 };
  const counter: SpanProcessor = {
    onStart: () => void counts.started++,
    onEnd: () => void counts.ended++,
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), counter] });
  return { exporter, counts, tracer: provider.getTracer('test'), provider };
}

function fence(source: string): string {
  return `Let me look.\n\`\`\`javascript\n${source}\n\`\`\``;
}

/** The spans as an indented outline of names, children in start order, from the roots down. */
function outline(spans: readonly ReadableSpan[]): string[] {
  const lines: string[] = [];
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const childrenOf = (parentId: string | undefined) =>
    spans
      .filter((span) => {
        const parent = span.parentSpanContext?.spanId;
        return parentId === undefined ? parent === undefined || !ids.has(parent) : parent === parentId;
      })
      .sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime) || a.name.localeCompare(b.name));
  const walk = (parentId: string | undefined, indent: string) => {
    for (const span of childrenOf(parentId)) {
      lines.push(`${indent}${span.name}`);
      walk(span.spanContext().spanId, `${indent}  `);
    }
  };
  walk(undefined, '');
  return lines;
}

function hrMs([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1e3 + nanos / 1e6;
}

const exporters: InMemorySpanExporter[] = [];
afterEach(() => {
  for (const exporter of exporters.splice(0)) exporter.reset();
});

/**
 * The root's one turn: a cell that asks the sub-model a question, then a cell that fails, then
 * (turn 2) a cell that starts a child RLM and finishes with both answers. The child (run by the
 * sub-model, as core does) answers in one cell with a plain sub-call of its own.
 */
async function runWithChild(
  options: OpenTelemetryListenerOptions & { settings?: Partial<RLMSettings>; root?: MockLanguageModel },
) {
  const model =
    options.root ??
    new MockLanguageModel({
      modelId: 'root-model',
      provider: 'acme',
      responses: [
        fence('globalThis.a = await llm_query("hi")'),
        fence('throw new TypeError("bad cell")'),
        fence('const b = await rlm_query("child question", "child context");\nFINAL(a + " / " + b)'),
      ],
      costOf: (usage) => usage.inputTokens * 1e-6,
    });
  const subModel = new MockLanguageModel({
    modelId: 'sub-model',
    provider: 'acme',
    responses: (request: MockRequest) =>
      request.lastMessage === 'hi'
        ? 'hello'
        : request.lastMessage === 'deeper'
          ? 'deep'
          : fence('const d = await llm_query("deeper");\nFINAL("child says " + d)'),
  });
  const rlm = createRLM({
    model,
    subModel,
    environment: createQuickJSEnvironment(),
    limits: { maxDepth: 2 },
    onEvent: createOpenTelemetryListener(options),
    ...options.settings,
  });
  return rlm.completion('What is it?', { context: 'the context' });
}

describe('createOpenTelemetryListener', () => {
  it('makes one span per run, turn, model call, cell, sub-call and child run, nested as the run nests', async () => {
    const { exporter, counts, tracer } = tracing();
    exporters.push(exporter);
    const result = await runWithChild({ tracer });
    expect(result.answer).toBe('hello / child says deep');

    expect(outline(exporter.getFinishedSpans())).toEqual([
      'invoke_agent rlm',
      '  rlm.turn',
      '    chat root-model',
      '    rlm.cell',
      '      llm_query',
      '        chat sub-model',
      '  rlm.turn',
      '    chat root-model',
      '    rlm.cell',
      '  rlm.turn',
      '    chat root-model',
      '    rlm.cell',
      '      rlm_query',
      '        invoke_agent rlm',
      '          rlm.turn',
      '            chat sub-model',
      '            rlm.cell',
      '              llm_query',
      '                chat sub-model',
    ]);
    // Every span started was ended, and all are one trace.
    expect(counts).toEqual({ started: 19, ended: 19 });
    expect(new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId)).size).toBe(1);
  });

  it('puts the GenAI attributes and ours on the spans, and errors in the status', async () => {
    const { exporter, tracer } = tracing();
    exporters.push(exporter);
    const result = await runWithChild({ tracer });
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((span) => span.name === 'invoke_agent rlm');
    const root = runs.find((span) => span.attributes['rlm.depth'] === 0)!;
    const child = runs.find((span) => span.attributes['rlm.depth'] === 1)!;
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.request.model': 'root-model',
      'gen_ai.provider.name': 'acme',
      'rlm.sub_model': 'acme:sub-model',
      'gen_ai.usage.input_tokens': result.usage.total.inputTokens,
      'gen_ai.usage.output_tokens': result.usage.total.outputTokens,
      'rlm.cost_usd': result.costUsd,
      'rlm.answer_source': 'FINAL',
      'rlm.sub_calls.total': 3,
      'rlm.sub_calls.failed': 0,
    });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(child.attributes).toMatchObject({
      'gen_ai.request.model': 'sub-model',
      'rlm.run.parent_id': root.attributes['rlm.run.id'],
    });
    // Content is opt-in.
    expect(root.attributes['rlm.question']).toBeUndefined();
    expect(spans.some((span) => span.attributes['rlm.cell.code'] !== undefined)).toBe(false);

    const chats = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats).toHaveLength(6);
    const tokens = (name: string) => chats.reduce((sum, span) => sum + (span.attributes[name] as number), 0);
    // The model calls' tokens add up to the run's total: each counted once.
    expect(tokens('gen_ai.usage.input_tokens')).toBe(result.usage.total.inputTokens);
    expect(tokens('gen_ai.usage.output_tokens')).toBe(result.usage.total.outputTokens);
    for (const chat of chats) {
      expect(chat.kind).toBe(SpanKind.CLIENT);
      expect(chat.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
      expect(['root', 'sub']).toContain(chat.attributes['rlm.model_call.role']);
    }
    const rootChats = chats.filter(
      (span) => span.attributes['rlm.model_call.role'] === 'root' && span.attributes['rlm.depth'] === 0,
    );
    expect(rootChats).toHaveLength(3);
    expect(rootChats.every((span) => (span.attributes['rlm.cost_usd'] as number) > 0)).toBe(true);

    const cells = spans.filter((span) => span.name === 'rlm.cell');
    const failed = cells.filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.status.message).toContain('bad cell');
    expect(failed[0]!.attributes['error.type']).toBe('TypeError');
    expect(failed[0]!.events.map((event) => event.name)).toEqual(['exception']);
    for (const cell of cells) {
      expect(cell.attributes['rlm.cell.duration_ms']).toBeGreaterThanOrEqual(0);
      expect(cell.attributes['rlm.turn']).toBeGreaterThanOrEqual(1);
    }
    expect(cells.filter((cell) => cell.attributes['rlm.cell.final'] === true)).toHaveLength(2);
    const subCalls = spans.filter((span) => span.name === 'llm_query' || span.name === 'rlm_query');
    expect(subCalls.map((span) => span.attributes['rlm.sub_call.outcome'])).toEqual([
      'answered',
      'answered',
      'answered',
    ]);
    // Spans take the events' times: a child ends no later than its parent.
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    for (const span of spans) {
      const parent = span.parentSpanContext && byId.get(span.parentSpanContext.spanId);
      if (!parent) continue;
      expect(hrMs(span.startTime)).toBeGreaterThanOrEqual(hrMs(parent.startTime));
      expect(hrMs(span.endTime)).toBeLessThanOrEqual(hrMs(parent.endTime));
    }
  });

  it('records the question, code and previews only when asked to', async () => {
    const { exporter, tracer } = tracing();
    exporters.push(exporter);
    await runWithChild({ tracer, recordContent: true });
    const spans = exporter.getFinishedSpans();
    const root = spans.find(
      (span) => span.attributes['rlm.depth'] === 0 && span.name === 'invoke_agent rlm',
    )!;
    expect(root.attributes['rlm.question']).toBe('What is it?');
    expect(root.attributes['rlm.answer']).toBe('hello / child says deep');
    expect(spans.find((span) => span.name === 'rlm.cell')!.attributes['rlm.cell.code']).toBe(
      'globalThis.a = await llm_query("hi")',
    );
    expect(spans.find((span) => span.name === 'llm_query')!.attributes).toMatchObject({
      'rlm.sub_call.prompt_preview': 'hi',
      'rlm.sub_call.response_preview': 'hello',
    });
  });

  it('nests the root run under the given parent context, or under the active span', async () => {
    const { exporter, tracer } = tracing();
    exporters.push(exporter);
    const request = tracer.startSpan('my request');
    await runWithChild({ tracer, parentContext: trace.setSpan(ROOT_CONTEXT, request) });
    request.end();
    const spans = exporter.getFinishedSpans();
    expect(outline(spans).slice(0, 2)).toEqual(['my request', '  invoke_agent rlm']);
    const ids = new Set(spans.map((span) => span.spanContext().traceId));
    expect(ids).toEqual(new Set([request.spanContext().traceId]));
  });

  it('ends every span of a run that is stopped mid-call: the runs carry the error, open spans are marked', async () => {
    const { exporter, counts, tracer } = tracing();
    exporters.push(exporter);
    const controller = new AbortController();
    const listener = createOpenTelemetryListener({ tracer });
    const rlm = createRLM({
      model: new MockLanguageModel({
        modelId: 'root-model',
        responses: [fence('await rlm_query("child question", "child context")')],
      }),
      // The child's llm_query never answers in time: the run is aborted while it is in flight.
      subModel: new MockLanguageModel({
        modelId: 'sub-model',
        responses: (request) =>
          request.lastMessage === 'deeper'
            ? { text: 'late', latencyMs: 30_000 }
            : fence('const d = await llm_query("deeper");\nFINAL(d)'),
      }),
      environment: createQuickJSEnvironment(),
      limits: { maxDepth: 2 },
      onEvent: (event) => {
        listener(event);
        if (event.type === 'model-call-start' && event.depth === 1 && event.role === 'sub')
          setTimeout(() => controller.abort(new Error('stopped by the test')), 20);
      },
    });
    await expect(rlm.completion('q', { context: 'c', signal: controller.signal })).rejects.toThrow();
    expect(counts.started).toBe(counts.ended);
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((span) => span.name === 'invoke_agent rlm');
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(run.status.code).toBe(SpanStatusCode.ERROR);
    // The child's cell, its llm_query and the model call in flight each end, failed or marked unfinished.
    const inFlight = spans.filter(
      (span) =>
        span.attributes['rlm.depth'] === 1 && ['llm_query', 'chat sub-model', 'rlm.cell'].includes(span.name),
    );
    expect(inFlight.map((span) => span.name).sort()).toEqual([
      'chat sub-model',
      'chat sub-model',
      'llm_query',
      'rlm.cell',
    ]);
    const subCall = inFlight.find((span) => span.name === 'llm_query')!;
    expect(subCall.status.code).toBe(SpanStatusCode.ERROR);
    expect(subCall.attributes['rlm.sub_call.outcome']).toBe('cancelled');
    expect(outline(spans)).toContain('              llm_query');
  });

  it('with no SDK registered the run is unchanged; with one registered globally, its spans are exported', async () => {
    const result = await runWithChild({});
    expect(result.answer).toBe('hello / child says deep');
    const { exporter, provider } = tracing();
    exporters.push(exporter);
    trace.setGlobalTracerProvider(provider);
    try {
      await context.with(ROOT_CONTEXT, () => runWithChild({}));
      expect(exporter.getFinishedSpans()).toHaveLength(19);
    } finally {
      trace.disable();
    }
  });
});

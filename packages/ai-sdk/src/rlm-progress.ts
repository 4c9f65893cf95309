import type { RLMEvent } from '@rlm/core';

/** One step of a run, as the stream reports it: a line to show, and the facts as JSON. */
export interface RLMProgress {
  /** A short line for people ("Turn 2/30", "Cell 1 of turn 2 ran in 14 ms"). */
  readonly line: string;
  /** The event's small fields (type, run, depth, turn, model, duration, usage, cost, error, …). */
  readonly event: Record<string, string | number | boolean | Record<string, unknown>>;
}

/** The event fields that are small and JSON: code, outputs, previews and whole contexts are left out. */
const SUMMARY_FIELDS = [
  'type',
  'runId',
  'parentRunId',
  'depth',
  'timestamp',
  'turn',
  'maxTurns',
  'index',
  'callId',
  'role',
  'model',
  'kind',
  'servedFrom',
  'outcome',
  'durationMs',
  'usage',
  'costUsd',
  'finishReason',
  'error',
  'toolName',
  'scope',
  'from',
  'to',
  'tokensSaved',
] as const;

/**
 * The progress a stream reports for `event`, or `undefined` for events that are not progress: the
 * root run's own start and end (the stream's start and finish say those), call starts (their ends
 * say more), and concurrency changes.
 */
export function rlmProgress(event: RLMEvent): RLMProgress | undefined {
  const line = progressLine(event);
  if (line === undefined) return undefined;
  const summary: Record<string, string | number | boolean | Record<string, unknown>> = {};
  const fields = event as unknown as Record<string, unknown>;
  for (const field of SUMMARY_FIELDS) {
    const value = fields[field];
    if (value !== undefined) summary[field] = value as string | number | boolean | Record<string, unknown>;
  }
  if (event.type === 'cell-end' && event.result.error) {
    summary.error = { kind: event.result.error.kind, message: event.result.error.message };
  }
  if (event.type === 'cell-end') summary.durationMs = event.result.durationMs;
  return { line, event: summary };
}

function progressLine(event: RLMEvent): string | undefined {
  const child = event.depth > 0 ? `[depth ${event.depth}] ` : '';
  switch (event.type) {
    case 'run-start':
      return event.depth > 0 ? `${child}A child RLM started: ${oneLine(event.question, 100)}` : undefined;
    case 'turn-start':
      return `${child}Turn ${event.turn}/${event.maxTurns}`;
    case 'model-call-end':
      return event.error
        ? `${child}${event.role} model ${event.model} failed: ${oneLine(event.error.message, 200)}`
        : `${child}${event.role} model ${event.model}: ${event.usage?.inputTokens ?? '?'} tokens in, ${event.usage?.outputTokens ?? '?'} out, ${ms(event.durationMs)} ms`;
    case 'cell-start':
      return `${child}Running cell ${event.index + 1} of turn ${event.turn}`;
    case 'cell-end':
      return event.result.error
        ? `${child}Cell ${event.index + 1} of turn ${event.turn} failed: ${oneLine(event.result.error.message, 200)}`
        : `${child}Cell ${event.index + 1} of turn ${event.turn} ran in ${ms(event.result.durationMs)} ms`;
    case 'sub-call-end': {
      const name = event.kind === 'rlm' ? 'rlm_query' : 'llm_query';
      return event.outcome === 'answered' || (event.outcome === undefined && !event.error)
        ? `${child}${name} (${event.model}) answered in ${ms(event.durationMs)} ms`
        : `${child}${name} (${event.model}) ${event.outcome ?? 'failed'}${event.error ? `: ${oneLine(event.error.message, 200)}` : ''}`;
    }
    case 'tool-call':
      return `${child}Tool ${event.toolName}${event.error ? ` failed: ${oneLine(event.error.message, 200)}` : ` ran in ${ms(event.durationMs)} ms`}`;
    case 'compaction':
      return `${child}Compacted ${event.scope === 'run' ? 'turns' : 'questions'} ${event.from}–${event.to} (${event.tokensSaved} tokens saved)`;
    case 'run-end':
      return event.depth > 0 ? `${child}The child RLM answered in ${ms(event.durationMs)} ms` : undefined;
    case 'run-error':
      return event.depth > 0
        ? `${child}The child RLM failed: ${oneLine(event.error.message, 200)}`
        : undefined;
    default:
      return undefined;
  }
}

/** Whole milliseconds: timings are measured with sub-millisecond noise nobody reads. */
function ms(value: number): number {
  return Math.round(value);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

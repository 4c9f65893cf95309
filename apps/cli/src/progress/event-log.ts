import type { RLMEvent } from '@rlm/core';
import { formatCost, formatDuration, formatTokens } from './format-numbers';
import type { ProgressState } from './progress-state';

/** Lines of a cell's code or output shown with `--verbose`. */
const VERBOSE_LINES = 12;

/**
 * The log line(s) for one event, indented by depth, or `undefined` for events not worth a line:
 * turns, cells, child runs and failures always; each cell's code and output and each successful
 * sub-call with `verbose`. Call it after the event was applied to `state` (it reads the totals).
 */
export function eventLogText(event: RLMEvent, state: ProgressState, verbose: boolean): string | undefined {
  const indent = '  '.repeat(event.depth);
  const line = (text: string) => `${indent}${text}`;
  switch (event.type) {
    case 'run-start':
      return event.depth > 0
        ? line(`child RLM started (depth ${event.depth}): ${oneLine(event.question, 100)}`)
        : undefined;
    case 'turn-start':
      return line(
        `turn ${event.turn}/${event.maxTurns}${event.depth > 0 ? ` (depth ${event.depth})` : ''} · ` +
          `${formatDuration(event.timestamp - state.startedAt)} · tokens ${formatTokens(state.inputTokens)} in, ` +
          `${formatTokens(state.outputTokens)} out · ${formatCost(state.costUsd)}`,
      );
    case 'model-call-end':
      return event.error ? line(`model call to ${event.model} failed: ${event.error.message}`) : undefined;
    case 'cell-start':
      return verbose
        ? line(`cell ${event.turn}.${event.index + 1}:\n${block(event.code, `${indent}  │ `)}`)
        : undefined;
    case 'cell-end': {
      const { result } = event;
      const error = result.error
        ? ` · ${result.error.kind} error: ${oneLine(result.error.message, 160)}`
        : '';
      const summary = line(
        `  cell ${event.turn}.${event.index + 1} ran in ${formatDuration(result.durationMs ?? 0)}${error}${result.final ? ' · FINAL' : ''}`,
      );
      return verbose && result.stdout.trim() !== ''
        ? `${summary}\n${block(result.stdout, `${indent}  > `)}`
        : summary;
    }
    case 'sub-call-end':
      if (event.error)
        return line(`  sub-call to ${event.model} failed: ${oneLine(event.error.message, 160)}`);
      if (!verbose) return undefined;
      return line(
        `  ${event.kind === 'rlm' ? 'rlm_query' : 'llm_query'} → ${event.model} · ${formatDuration(event.durationMs)}`,
      );
    case 'run-end':
      return event.depth > 0 ? line(`child RLM answered in ${formatDuration(event.durationMs)}`) : undefined;
    case 'run-error':
      return event.depth > 0 ? line(`child RLM failed: ${oneLine(event.error.message, 160)}`) : undefined;
    default:
      return undefined;
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function block(text: string, prefix: string): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  const shown = lines.slice(0, VERBOSE_LINES).map((line) => `${prefix}${line}`);
  if (lines.length > VERBOSE_LINES) shown.push(`${prefix}… ${lines.length - VERBOSE_LINES} more lines`);
  return shown.join('\n');
}

import type { RLMEvent } from '@rlm/core';
import { groupDigits } from '@rlm/core';
import { inCliTerms } from '../output/cli-terms';
import { formatCached, formatCost, formatDuration, formatTokens } from './format-numbers';
import type { ProgressState } from './progress-state';

/** Lines of a cell's code or output, or of the root model's prose, shown with `--verbose`. */
const VERBOSE_LINES = 12;

/**
 * The log line(s) for one event, indented by depth, or `undefined` for events not worth a line:
 * turns, cells (with their sub-calls' tally), child runs, and the first failure of each kind per run
 * (a batch of 200 failing alike is one line, not 200); with `verbose` also the root model's prose,
 * each cell's code and output, and each sub-call with a preview of its prompt and answer. Sub-calls
 * cancelled because the run stopped get no line: the stop is reported once, at the end. Failed model
 * calls get none either: a sub-call's failure is its sub-call line, a root call's ends the run and
 * is explained once. Call it after the event was applied to `state` (it reads the totals).
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
          `${formatTokens(state.outputTokens)} out · ${formatCost(state.costUsd)}` +
          (state.cachedCalls > 0 ? ` · ${formatCached(state.cachedCalls, state.cachedCostUsd)}` : ''),
      );
    case 'model-call-end': {
      if (!verbose || event.replyPreview === undefined) return undefined;
      const prose = withoutCode(event.replyPreview);
      return prose === '' ? undefined : line(`${event.model} says:\n${block(prose, `${indent}  » `)}`);
    }
    case 'cell-start':
      return verbose
        ? line(`cell ${event.turn}.${event.index + 1}:\n${block(event.code, `${indent}  │ `)}`)
        : undefined;
    case 'cell-end': {
      const { result } = event;
      const run = state.runs.get(event.runId);
      const tally = run?.cellSubCalls;
      const subCalls =
        tally && tally.done + tally.failed > 0
          ? ` · sub-calls ${[tally.done > 0 ? `${tally.done} done` : '', tally.failed > 0 ? `${tally.failed} failed` : ''].filter(Boolean).join(', ')}`
          : '';
      const error = result.error
        ? ` · ${result.error.kind} error: ${oneLine(inCliTerms(result.error.message), 160)}`
        : '';
      const summary = line(
        `  cell ${event.turn}.${event.index + 1} ran in ${formatDuration(result.durationMs ?? 0)}${subCalls}${error}${result.final ? ' · FINAL' : ''}`,
      );
      return verbose && result.stdout.trim() !== ''
        ? `${summary}\n${block(result.stdout, `${indent}  > `)}`
        : summary;
    }
    case 'sub-call-end': {
      const outcome = event.outcome ?? (event.error ? 'failed' : 'answered');
      const name = event.kind === 'rlm' ? 'rlm_query' : 'llm_query';
      if (outcome === 'failed' && event.error) {
        const reason = oneLine(inCliTerms(event.error.message), 200);
        const run = state.runs.get(event.runId);
        if (!verbose && run) {
          if (run.loggedReasons.has(reason)) return undefined;
          run.loggedReasons.add(reason);
        }
        return line(
          `  ${name} to ${event.model} failed: ${reason}${verbose ? '' : ' (further failures like it are counted, not shown)'}`,
        );
      }
      if (!verbose || outcome !== 'answered') return undefined;
      return line(
        `  ${name} → ${event.model} · ${formatDuration(event.durationMs)}` +
          `${event.responsePreview === undefined ? '' : ` · answered ${JSON.stringify(oneLine(event.responsePreview, 80))}`}`,
      );
    }
    case 'sub-call-start':
      return verbose && event.promptPreview !== undefined
        ? line(
            `  ${event.kind === 'rlm' ? 'rlm_query' : 'llm_query'} → ${event.model}: ${JSON.stringify(oneLine(event.promptPreview, 100))} (${groupDigits(event.promptCharacters)} characters)`,
          )
        : undefined;
    case 'concurrency-change':
      // A cut is worth a line in a log (why the run slowed down); growth and pauses are not.
      return event.reason === 'rate-limited' || event.reason === 'overloaded'
        ? line(
            `  ${event.model} ${event.reason === 'rate-limited' ? 'rate-limited (429)' : 'overloaded'}: concurrency ${event.previousWindow} → ${event.window}`,
          )
        : undefined;
    case 'run-end':
      return event.depth > 0 ? line(`child RLM answered in ${formatDuration(event.durationMs)}`) : undefined;
    case 'run-error':
      return event.depth > 0
        ? line(`child RLM failed: ${oneLine(inCliTerms(event.error.message), 160)}`)
        : undefined;
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

/** The prose of a reply: fenced blocks (closed, or cut off by the preview) left out. */
function withoutCode(reply: string): string {
  return reply
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '')
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*$/m, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

import type { RLMEvent } from '@rlm/core';
import { formatCost, formatDuration, formatTokens } from './format-numbers';
import type { ProgressOutput, ProgressReporter } from './progress-reporter';
import { applyProgressEvent, type ProgressState } from './progress-state';

/** Lines of a cell's code or output shown with `--verbose`. */
const VERBOSE_LINES = 12;

/**
 * Progress for logs and pipes: one plain line per step (turns, cells, child runs, failed calls),
 * no cursor movement or colour; `--verbose` adds each cell's code and output and each sub-call.
 */
export class LineProgress implements ProgressReporter {
  constructor(
    private readonly output: ProgressOutput,
    private readonly state: ProgressState,
    private readonly verbose: boolean,
  ) {}

  onEvent(event: RLMEvent): void {
    applyProgressEvent(this.state, event);
    const indent = '  '.repeat(event.depth);
    const say = (text: string) => this.output.write(`${indent}${text}\n`);
    switch (event.type) {
      case 'run-start':
        if (event.depth > 0) say(`child RLM started (depth ${event.depth}): ${oneLine(event.question, 100)}`);
        return;
      case 'turn-start':
        say(
          `turn ${event.turn}/${event.maxTurns}${event.depth > 0 ? ` (depth ${event.depth})` : ''} · ` +
            `${formatDuration(event.timestamp - this.state.startedAt)} · tokens ${formatTokens(this.state.inputTokens)} in, ` +
            `${formatTokens(this.state.outputTokens)} out · ${formatCost(this.state.costUsd)}`,
        );
        return;
      case 'model-call-end':
        if (event.error) say(`model call to ${event.model} failed: ${event.error.message}`);
        return;
      case 'cell-start':
        if (this.verbose)
          say(`cell ${event.turn}.${event.index + 1}:\n${block(event.code, `${indent}  │ `)}`);
        return;
      case 'cell-end': {
        const { result } = event;
        const error = result.error
          ? ` · ${result.error.kind} error: ${oneLine(result.error.message, 160)}`
          : '';
        say(
          `  cell ${event.turn}.${event.index + 1} ran in ${formatDuration(result.durationMs ?? 0)}${error}${result.final ? ' · FINAL' : ''}`,
        );
        if (this.verbose && result.stdout.trim() !== '')
          this.output.write(`${block(result.stdout, `${indent}  > `)}\n`);
        return;
      }
      case 'sub-call-end':
        if (event.error) say(`  sub-call to ${event.model} failed: ${oneLine(event.error.message, 160)}`);
        else if (this.verbose) {
          const usage = event.usage
            ? ` · ${formatTokens(event.usage.inputTokens)} in, ${formatTokens(event.usage.outputTokens)} out`
            : '';
          say(
            `  ${event.kind === 'rlm' ? 'rlm_query' : 'llm_query'} → ${event.model} · ${formatDuration(event.durationMs)}${usage}`,
          );
        }
        return;
      case 'run-end':
        if (event.depth > 0) say(`child RLM answered in ${formatDuration(event.durationMs)}`);
        return;
      case 'run-error':
        if (event.depth > 0) say(`child RLM failed: ${oneLine(event.error.message, 160)}`);
        return;
      default:
        return;
    }
  }

  note(message: string): void {
    this.output.write(`${message}\n`);
  }

  markStopping(): void {
    this.state.stopping = true;
    this.output.write('stopping… (Ctrl-C again to quit now)\n');
  }

  close(): void {}
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

import type { RLMEvent } from '@rlm/core';
import { eventLogText } from './event-log';
import type { ProgressOutput, ProgressReporter } from './progress-reporter';
import { applyProgressEvent, type ProgressState } from './progress-state';

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
    const text = eventLogText(event, this.state, this.verbose);
    if (text !== undefined) this.output.write(`${text}\n`);
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

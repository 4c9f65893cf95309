import type { RLMEvent } from '@rlm/core';
import { eventLogText } from './event-log';
import { formatDuration } from './format-numbers';
import type { ProgressOutput, ProgressReporter } from './progress-reporter';
import { applyProgressEvent, type ProgressState, subCallPhases } from './progress-state';

/** How often line mode says that a long cell or model call is still going. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * Progress for logs and pipes: one plain line per step (turns, cells, child runs, failed calls),
 * no cursor movement or colour; `--verbose` adds the model's prose, each cell's code and output and
 * each sub-call. While a cell or a root-model call runs for long, a line every few seconds says so
 * (with the sub-calls running, queued and done), so a log never looks stuck.
 */
export class LineProgress implements ProgressReporter {
  private readonly timer: NodeJS.Timeout;
  private lastWrite: number;

  constructor(
    private readonly output: ProgressOutput,
    private readonly state: ProgressState,
    private readonly verbose: boolean,
    private readonly now: () => number = Date.now,
    heartbeatMs: number = HEARTBEAT_INTERVAL_MS,
  ) {
    this.lastWrite = now();
    this.timer = setInterval(() => this.heartbeat(heartbeatMs), Math.max(100, heartbeatMs / 5));
    this.timer.unref();
  }

  onEvent(event: RLMEvent): void {
    applyProgressEvent(this.state, event);
    const text = eventLogText(event, this.state, this.verbose);
    if (text !== undefined) this.write(`${text}\n`);
  }

  note(message: string): void {
    this.write(`${message}\n`);
  }

  markStopping(): void {
    this.state.stopping = true;
    this.write('stopping… (Ctrl-C again to quit now)\n');
  }

  close(): void {
    clearInterval(this.timer);
  }

  private write(text: string): void {
    this.lastWrite = this.now();
    this.output.write(text);
  }

  private heartbeat(intervalMs: number): void {
    const now = this.now();
    if (now - this.lastWrite < intervalMs) return;
    const root = this.state.rootRunId === undefined ? undefined : this.state.runs.get(this.state.rootRunId);
    if (!root || root.status !== 'running') return;
    let doing: string | undefined;
    if (root.cell) {
      const { running, queued } = subCallPhases(root, this.state);
      const subCalls = [
        running > 0 ? `${running} running` : '',
        queued > 0 ? `${queued} queued` : '',
        root.subCallsDone > 0 ? `${root.subCallsDone} done` : '',
        root.subCallsFailed > 0 ? `${root.subCallsFailed} failed` : '',
      ].filter(Boolean);
      doing = `  cell ${root.cell.turn}.${root.cell.index + 1} still running (${formatDuration(now - root.cell.startedAt)})${subCalls.length > 0 ? ` · sub-calls ${subCalls.join(', ')}` : ''}`;
    } else if (root.modelCall) {
      doing = `  waiting for ${root.modelCall.model} (${formatDuration(now - root.modelCall.startedAt)})`;
    }
    if (doing !== undefined) this.write(`${doing}\n`);
  }
}

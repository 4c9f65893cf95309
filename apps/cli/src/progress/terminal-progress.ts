import type { RLMEvent } from '@rlm/core';
import { eventLogText } from './event-log';
import type { ProgressOutput, ProgressReporter } from './progress-reporter';
import { applyProgressEvent, type ProgressState } from './progress-state';
import { renderProgress } from './render-progress';

/** Redraws at most this often (~10 frames a second): events can arrive by the hundred per second. */
export const REDRAW_INTERVAL_MS = 100;

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_TO_LINE_END = '\x1b[K';
const CLEAR_TO_SCREEN_END = '\x1b[J';
const cursorUp = (lines: number) => (lines > 0 ? `\x1b[${lines}A\r` : '\r');

/**
 * The live display for a terminal: a block of lines at the bottom of stderr, redrawn in place with
 * ANSI cursor movement on a timer, fitted to the terminal's width on every frame (so resizing is
 * handled), with notes scrolled out above it. `close` erases the block and shows the cursor again.
 */
export class TerminalProgress implements ProgressReporter {
  private drawnLines = 0;
  private lastFrame = '';
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly restoreCursorOnExit = () => this.output.write(SHOW_CURSOR);

  constructor(
    private readonly output: ProgressOutput,
    private readonly state: ProgressState,
    private readonly now: () => number = Date.now,
    /** With `--verbose`, the event log scrolls above the live block. */
    private readonly verbose = false,
  ) {
    this.output.write(HIDE_CURSOR);
    process.once('exit', this.restoreCursorOnExit);
    this.timer = setInterval(() => this.draw(), REDRAW_INTERVAL_MS);
    this.timer.unref();
    this.draw();
  }

  onEvent(event: RLMEvent): void {
    applyProgressEvent(this.state, event);
    if (!this.verbose) return;
    const text = eventLogText(event, this.state, true);
    if (text !== undefined) this.note(text);
  }

  note(message: string): void {
    if (this.closed) {
      this.output.write(`${message}\n`);
      return;
    }
    this.output.write(`${cursorUp(this.drawnLines)}${CLEAR_TO_SCREEN_END}${message}\n`);
    this.drawnLines = 0;
    this.lastFrame = '';
    this.draw();
  }

  markStopping(): void {
    this.state.stopping = true;
    this.draw();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    process.removeListener('exit', this.restoreCursorOnExit);
    this.output.write(`${cursorUp(this.drawnLines)}${CLEAR_TO_SCREEN_END}${SHOW_CURSOR}`);
    this.drawnLines = 0;
  }

  private draw(): void {
    if (this.closed) return;
    const lines = renderProgress(this.state, this.output.columns ?? 80, this.now());
    const frame = lines.join('\n');
    if (frame === this.lastFrame) return;
    this.lastFrame = frame;
    let text = cursorUp(this.drawnLines);
    for (const line of lines) text += `${line}${CLEAR_TO_LINE_END}\n`;
    this.output.write(`${text}${CLEAR_TO_SCREEN_END}`);
    this.drawnLines = lines.length;
  }
}

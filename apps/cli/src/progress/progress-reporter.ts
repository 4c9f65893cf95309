import type { RLMEvent } from '@rlm/core';

/** Shows a run's progress on stderr: live in a terminal, line by line elsewhere, or not at all. */
export interface ProgressReporter {
  /** Receives every event of the run. */
  onEvent(event: RLMEvent): void;
  /** Prints a message (a warning, a verbose detail) without breaking the display. */
  note(message: string): void;
  /** Shows that the run is being stopped (after Ctrl-C). */
  markStopping(): void;
  /** Erases any live display and restores the terminal. Safe to call twice. */
  close(): void;
}

/** The part of a writable stream the reporters use (`process.stderr`, or a fake in tests). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly columns?: number;
}

/** A reporter that shows nothing (`--quiet`, `--json` without a terminal). */
export const silentProgress: ProgressReporter = {
  onEvent() {},
  note() {},
  markStopping() {},
  close() {},
};

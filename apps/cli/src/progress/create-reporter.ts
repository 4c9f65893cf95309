import type { CliIO } from '../cli-io';
import type { CliSettings } from '../options/cli-settings';
import { LineProgress } from './line-progress';
import { type ProgressReporter, silentProgress } from './progress-reporter';
import { applyProgressEvent, type ProgressState } from './progress-state';
import { TerminalProgress } from './terminal-progress';

/** The progress display a run's settings and stderr call for: live in a terminal, lines elsewhere, none with --quiet. */
export function createReporter(settings: CliSettings, io: CliIO, state: ProgressState): ProgressReporter {
  // Quiet shows nothing, but the state still counts (the stop line names the sub-calls cancelled).
  if (settings.quiet)
    return {
      ...silentProgress,
      onEvent: (event) => applyProgressEvent(state, event),
      note: (message) => io.stderr.write(`${message}\n`),
    };
  // A dumb terminal (TERM=dumb: an editor's shell, a CI log) cannot move the cursor: plain lines there.
  if (io.stderr.isTTY && io.environment.TERM !== 'dumb')
    return new TerminalProgress(io.stderr, state, Date.now, settings.verbose === true);
  return new LineProgress(io.stderr, state, settings.verbose === true);
}

import type { RecordedModelCall } from '../model-call-store/model-call-store';
import type { Trajectory, TrajectoryIteration } from './trajectory';

/**
 * Receives the root trajectory while it grows, so that a run stopped by anything — a limit, Ctrl-C,
 * a killed process — leaves a record to read and to resume from (`CompletionOptions.trajectoryWriter`;
 * `openTrajectoryJsonlWriter(path)` writes JSONL). The methods are synchronous on purpose: what a
 * writer has been handed must be written by the time the method returns (for a file, handed to the
 * operating system), so that `kill -9` right after loses nothing. An error a writer throws is not the
 * run's: the writer keeps it and reports it itself.
 */
export interface TrajectoryWriter {
  /**
   * The root run started: `trajectory` has its metadata and, for a resumed run, the `modelCalls` it
   * inherits from its earlier attempts (not handed to {@link modelCall} again).
   */
  start(trajectory: Trajectory): void;
  /** A provider answered a model call of the tree (any depth): its key and whole answer. */
  modelCall(call: RecordedModelCall): void;
  /** A turn of the root run ended; its record is complete (a sub-call not awaited may still settle later). */
  iteration(iteration: TrajectoryIteration): void;
  /** The root run ended, answered or failed: the closed trajectory (iterations not yet handed over included). */
  end(trajectory: Trajectory): void;
}

import type { ChatMessage } from '../language-model/language-model';
import type { RecordedModelCall } from '../model-call-store/model-call-store';
import type { Trajectory, TrajectoryIteration } from './trajectory';
import {
  endLine,
  followIteration,
  iterationLine,
  metadataLine,
  modelCallLine,
  type TrajectoryJsonlOptions,
} from './trajectory-jsonl';
import type { TrajectoryWriter } from './trajectory-writer';

/** A {@link TrajectoryWriter} to a JSONL file, and how it went. */
export interface TrajectoryJsonlWriter extends TrajectoryWriter {
  readonly path: string;
  /** Whether the run started, so the file exists. */
  readonly started: boolean;
  /** The first error writing the file, after which nothing more was written. */
  readonly failure: Error | undefined;
}

/**
 * A writer that keeps a trajectory in a JSONL file while the run goes (Node): the metadata line at
 * the start, a line per answered model call and per turn as they happen, and the closing line at the
 * end. Each line is handed to the operating system before the method returns, so a killed process
 * leaves every whole line, and at most a cut-off last one (`parseTrajectoryJsonl` leaves it out).
 *
 * The file is replaced only once the new run started, and atomically: its first lines (with, for a
 * resumed run, every answer recorded before) are written to a temporary file that is then renamed
 * over `path`. So resuming into the trajectory the run is resumed from never loses its record.
 */
export async function openTrajectoryJsonlWriter(
  path: string,
  options: TrajectoryJsonlOptions = {},
): Promise<TrajectoryJsonlWriter> {
  const fs = await import('node:fs');
  const includePrompts = options.includePrompts ?? true;
  let descriptor: number | undefined;
  let failure: Error | undefined;
  let started = false;
  let written = 0;
  let startedAt = '';
  // The run's metadata, from start: every record line repeats its configuration (see modelCallLine).
  let metadata: Trajectory['metadata'] | undefined;
  const messages: ChatMessage[] = [];

  const guarded = (action: () => void) => {
    if (failure) return;
    try {
      action();
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      if (descriptor !== undefined) fs.closeSync(descriptor);
      descriptor = undefined;
    }
  };
  const append = (lines: readonly unknown[]) => {
    if (descriptor === undefined || lines.length === 0) return;
    fs.writeSync(descriptor, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  };
  let wroteFirstIteration = false;
  const iterationLines = (iterations: readonly TrajectoryIteration[]) =>
    iterations.map((iteration) => {
      // Without prompts, the first turn still has the opening messages (see includePrompts).
      const withPrompt = includePrompts || !wroteFirstIteration;
      wroteFirstIteration = true;
      const line = iterationLine(iteration, startedAt, withPrompt ? messages : undefined);
      followIteration(messages, iteration);
      return line;
    });

  return {
    path,
    get started() {
      return started;
    },
    get failure() {
      return failure;
    },
    start(trajectory) {
      guarded(() => {
        if (started) return;
        started = true;
        startedAt = trajectory.startedAt;
        metadata = trajectory.metadata;
        messages.push(...trajectory.metadata.initialMessages);
        const { runId, depth, startedAt: at, version, parentRunId } = trajectory;
        const run = { version, runId, ...(parentRunId ? { parentRunId } : {}), depth, startedAt: at };
        const first = [
          metadataLine(trajectory, run),
          ...(trajectory.modelCalls ?? []).map((call) => modelCallLine(trajectory.metadata, call)),
        ];
        const temporary = `${path}.${process.pid}-${Date.now().toString(36)}.partial`;
        try {
          fs.writeFileSync(temporary, first.map((line) => `${JSON.stringify(line)}\n`).join(''));
          fs.renameSync(temporary, path);
        } catch (error) {
          fs.rmSync(temporary, { force: true });
          throw error;
        }
        descriptor = fs.openSync(path, 'a');
      });
    },
    modelCall(call: RecordedModelCall) {
      guarded(() => {
        if (metadata) append([modelCallLine(metadata, call)]);
      });
    },
    iteration(iteration) {
      guarded(() => {
        append(iterationLines([iteration]));
        written += 1;
      });
    },
    end(trajectory: Trajectory) {
      guarded(() => {
        if (descriptor === undefined) return;
        const { metadata: ended, iterations, modelCalls: _modelCalls, ...run } = trajectory;
        append([...iterationLines(iterations.slice(written)), endLine(ended, run)]);
        written = iterations.length;
        fs.closeSync(descriptor);
        descriptor = undefined;
      });
    },
  };
}

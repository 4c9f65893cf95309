import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** A file `rlm view` cannot open, with what to do about it. */
export class TrajectoryFileError extends Error {
  override readonly name = 'TrajectoryFileError';
}

/** What a quick look at a trajectory file found: its size and what the viewer will say about it. */
export interface TrajectoryFileCheck {
  readonly bytes: number;
  readonly kind: 'rlm' | 'reference';
  /** Notes for the user (a cut-off last line, a run that did not finish). */
  readonly notes: readonly string[];
}

/** The most of the first line read to recognise the file (ours starts with the system prompt). */
const MAX_FIRST_LINE_BYTES = 16 * 1024 * 1024;
const TAIL_BYTES = 64 * 1024;

/**
 * Looks at a file before the viewer opens it, reading only its first line and its end (a file may
 * be 100 MB): throws a {@link TrajectoryFileError} saying what is wrong for a missing file, a folder,
 * an empty file or one that is not a trajectory; notes a cut-off end (a run killed mid-write opens
 * with what is readable).
 */
export function checkTrajectoryFile(path: string): TrajectoryFileCheck {
  let bytes: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      throw new TrajectoryFileError(
        `'${path}' is a folder. Give the path of one .jsonl trajectory file (rlm --trajectory FILE writes one).`,
      );
    }
    bytes = stats.size;
  } catch (error) {
    if (error instanceof TrajectoryFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TrajectoryFileError(
      code === 'ENOENT'
        ? `There is no file '${path}'. Give the path of a trajectory: rlm "…" --trajectory run.jsonl writes one.`
        : `Cannot read '${path}': ${(error as Error).message}`,
    );
  }
  if (bytes === 0) throw new TrajectoryFileError(`'${path}' is empty: it holds no trajectory.`);
  const descriptor = openSync(path, 'r');
  try {
    const head = readUpTo(descriptor, 0, Math.min(bytes, MAX_FIRST_LINE_BYTES));
    const newline = head.indexOf(10);
    const firstLine = head.subarray(0, newline === -1 ? head.length : newline).toString('utf8');
    const { kind, closed } = recognise(firstLine, path, newline === -1 && bytes > head.length);
    const notes: string[] = [];
    const tail = readUpTo(descriptor, Math.max(0, bytes - TAIL_BYTES), Math.min(bytes, TAIL_BYTES)).toString(
      'utf8',
    );
    if (!tail.endsWith('\n')) {
      notes.push(
        'its last line is cut off (the run was probably killed while writing it): the viewer shows everything before it.',
      );
    }
    // A file written whole has the run's closing fields in its first line; one written as the run
    // went gets a closing line at its end: a metadata line with `rlm_ts_end` (a line of type
    // `rlm_ts_end` in files of earlier versions). Inside a JSON string the quotes would be escaped,
    // so only the field itself matches.
    const hasEndLine = tail.includes('"rlm_ts_end":{') || tail.includes('"type":"rlm_ts_end"');
    if (kind === 'rlm' && !closed && !hasEndLine) {
      notes.push(
        'it has no closing line: the run did not finish (it was stopped, or is still being written).',
      );
    }
    return { bytes, kind, notes };
  } finally {
    closeSync(descriptor);
  }
}

function readUpTo(descriptor: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, buffer, read, length - read, position + read);
    if (count === 0) break;
    read += count;
  }
  return buffer.subarray(0, read);
}

function recognise(
  firstLine: string,
  path: string,
  tooLong: boolean,
): { kind: 'rlm' | 'reference'; closed: boolean } {
  const notTrajectory = (why: string) =>
    new TrajectoryFileError(
      `'${path}' is not an RLM trajectory: ${why}. rlm view opens JSONL files written by rlm --trajectory (or @rlm/core's writeTrajectoryJsonl) and logs of the reference library (alexzhang13/rlm).`,
    );
  if (tooLong) throw notTrajectory(`its first line is longer than ${MAX_FIRST_LINE_BYTES / 1024 / 1024} MB`);
  let line: unknown;
  try {
    line = JSON.parse(firstLine);
  } catch {
    throw notTrajectory('its first line is not JSON');
  }
  if (typeof line !== 'object' || line === null || Array.isArray(line))
    throw notTrajectory('its first line is not a JSON object');
  const record = line as Record<string, unknown>;
  if (record.type === 'metadata') {
    const run = (record.run ?? {}) as Record<string, unknown>;
    return {
      kind: 'rlm_ts_metadata' in record ? 'rlm' : 'reference',
      closed: run.durationMs !== undefined || run.error !== undefined,
    };
  }
  if (record.type === 'iteration' || Array.isArray(record.code_blocks))
    return { kind: 'rlm_ts_iteration' in record ? 'rlm' : 'reference', closed: false };
  throw notTrajectory('its first line is neither a metadata line ({"type":"metadata",…}) nor an iteration');
}

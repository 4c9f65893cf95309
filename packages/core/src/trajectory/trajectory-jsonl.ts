import type { CellResult } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { ChatMessage } from '../language-model/language-model';
import type { RecordedModelCall } from '../model-call-store/model-call-store';
import type { Trajectory, TrajectoryCodeBlock, TrajectoryIteration, TrajectorySubCall } from './trajectory';

/*
 * The JSONL layout is the reference library's (alexzhang13/rlm `RLMLogger`), so its visualizer opens
 * our logs: a `metadata` line, then one `iteration` line per turn with `prompt`, `response`,
 * `code_blocks[{ code, result: { stdout, stderr, locals, execution_time, rlm_calls } }]`,
 * `final_answer` and `iteration_time` (times in seconds there). Everything else we record rides in
 * extra fields (`rlm_ts_*`, `run`, …) that their reader ignores and ours reads back losslessly.
 *
 * Their reader (visualizer/src/lib/parse-logs.ts, `parseJSONL`) has no line type of its own to skip:
 * a `metadata` line sets the run's configuration (the last one wins) and EVERY other line is taken
 * as an iteration. So our records that are not turns are `metadata` lines repeating the run's
 * configuration, with the record in a field of ours: `rlm_ts_model_call` (one answered model call,
 * whole, for a resume) and `rlm_ts_end` (the closing fields of a trajectory written as it grew).
 * Files of earlier versions wrote them as lines of type `rlm_ts_model_call` / `rlm_ts_end`, which
 * that visualizer took for iterations and failed on; they are still read back.
 */

export interface TrajectoryJsonlOptions {
  /**
   * Write each iteration's full `prompt` (every message sent so far), as the reference does. The file
   * then grows with the square of the turns; turn it off for long runs. Default true. When off, the
   * first iteration still has the opening messages (system prompt and question, written once), where
   * the reference's visualizer finds the question; the others have an empty list.
   */
  readonly includePrompts?: boolean;
}

/** The trajectory as JSON lines (newline-terminated), its recorded model calls last. */
export function trajectoryToJsonl(trajectory: Trajectory, options: TrajectoryJsonlOptions = {}): string {
  const includePrompts = options.includePrompts ?? true;
  const { iterations, metadata, modelCalls, ...run } = trajectory;
  const lines: unknown[] = [metadataLine(trajectory, run)];
  const messages: ChatMessage[] = [...metadata.initialMessages];
  iterations.forEach((iteration, index) => {
    lines.push(
      iterationLine(iteration, trajectory.startedAt, includePrompts || index === 0 ? messages : undefined),
    );
    followIteration(messages, iteration);
  });
  for (const call of modelCalls ?? []) lines.push(modelCallLine(metadata, call));
  return `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
}

/** The fields of a trajectory a JSONL file keeps in its metadata line's `run` (and, when written as it grows, in its end line). */
export type TrajectoryRunFields = Omit<Trajectory, 'metadata' | 'iterations' | 'modelCalls'>;

/** The first line: the reference's metadata, with ours in `run` and `rlm_ts_metadata`. */
export function metadataLine(trajectory: Trajectory, run: Partial<TrajectoryRunFields>): unknown {
  const { metadata } = trajectory;
  return {
    type: 'metadata',
    timestamp: trajectory.startedAt,
    ...referenceConfiguration(metadata),
    rlm_ts_version: trajectory.version,
    run,
    rlm_ts_metadata: metadata,
  };
}

/**
 * The run's configuration in the reference's metadata fields. Every `metadata` line carries it: the
 * reference's reader takes the configuration from the last such line, and our records ride in them.
 */
function referenceConfiguration(metadata: Trajectory['metadata']): Record<string, unknown> {
  return {
    root_model: metadata.rootModel,
    max_depth: metadata.maxDepth,
    max_iterations: metadata.maxTurns,
    backend: metadata.rootModel.split(':')[0],
    backend_kwargs: { model_name: metadata.rootModel.split(':').slice(1).join(':') },
    environment_type: metadata.environment,
    environment_kwargs: {},
    other_backends: metadata.subModel === metadata.rootModel ? null : [metadata.subModel],
  };
}

/**
 * One turn in the reference's `iteration` shape; `prompt` is the messages sent so far, when given
 * (else an empty list). `timestamp` is the run's start, used when the turn has no `startedAt`.
 */
export function iterationLine(
  iteration: TrajectoryIteration,
  timestamp: string,
  prompt: readonly ChatMessage[] | undefined,
): unknown {
  const { response, codeBlocks, finalAnswer, turn, ...extra } = iteration;
  return {
    type: 'iteration',
    iteration: turn,
    // The turn's own start; files of versions that did not record it have the run's start.
    timestamp: iteration.startedAt ?? timestamp,
    // Always a list, empty when prompts are left out: the reference's reader iterates it.
    prompt: prompt ? [...prompt] : [],
    response,
    code_blocks: codeBlocks.map(codeBlockToReference),
    final_answer: finalAnswer ?? null,
    iteration_time: (iteration.durationMs ?? 0) / 1000,
    rlm_ts_iteration: extra,
  };
}

/** Adds a turn's reply and feedback to the conversation, as the loop did. */
export function followIteration(messages: ChatMessage[], iteration: TrajectoryIteration): void {
  messages.push({ role: 'assistant', content: iteration.response });
  if (iteration.feedback !== undefined) messages.push({ role: 'user', content: iteration.feedback });
}

/**
 * A recorded model call, in `rlm_ts_model_call` of a `metadata` line (see the top of this file: any
 * other line type would be shown, and counted, as an iteration by the reference's visualizer).
 */
export function modelCallLine(metadata: Trajectory['metadata'], call: RecordedModelCall): unknown {
  return { type: 'metadata', ...referenceConfiguration(metadata), [MODEL_CALL_FIELD]: call };
}

/** The closing fields of a trajectory written as it grew (answer, usage, error, …), in `rlm_ts_end` of a `metadata` line. */
export function endLine(metadata: Trajectory['metadata'], run: TrajectoryRunFields): unknown {
  return { type: 'metadata', ...referenceConfiguration(metadata), [END_FIELD]: run };
}

const MODEL_CALL_FIELD = 'rlm_ts_model_call';
const END_FIELD = 'rlm_ts_end';
/** The line types earlier versions wrote these records as (read back, never written). */
const OLD_MODEL_CALL_LINE = 'rlm_ts_model_call';
const OLD_END_LINE = 'rlm_ts_end';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function codeBlockToReference(block: TrajectoryCodeBlock): unknown {
  const {
    stdout = '',
    stderr = '',
    durationMs = 0,
    variables,
    ...cell
  } = block.result ?? ({} as Partial<CellResult>);
  return {
    code: block.code,
    result: {
      stdout,
      stderr,
      // The reference's `locals` (name → value, shown as its Variables panel) holds the previews;
      // the kinds ride in `rlm_ts_variable_types`, so the variables are read back whole.
      locals: Object.fromEntries((variables ?? []).map((variable) => [variable.name, variable.preview])),
      ...(variables
        ? {
            rlm_ts_variable_types: Object.fromEntries(
              variables.map((variable) => [variable.name, variable.type]),
            ),
          }
        : {}),
      execution_time: durationMs / 1000,
      rlm_calls: block.subCalls.map(subCallToReference),
      rlm_ts_cell: block.result ? { ...cell, durationMs } : null,
    },
  };
}

/**
 * A sub-call in the reference's `rlm_calls` shape. Its prompt and response are written once, in the
 * reference's `prompt` and `response` fields; `rlm_ts_call` holds everything else (a 20 MB run
 * otherwise wrote each prompt twice). `rlm_ts_no_response` tells a call without a response (it
 * failed) from one whose response was empty.
 */
function subCallToReference(call: TrajectorySubCall): unknown {
  const { prompt, response, ...rest } = call;
  const spent = subCallSpending(call);
  return {
    root_model: call.model,
    prompt,
    response: response ?? '',
    ...(response === undefined ? { rlm_ts_no_response: true } : {}),
    usage_summary: { model_usage_summaries: spent.byModel },
    prompt_tokens: spent.inputTokens,
    completion_tokens: spent.outputTokens,
    execution_time: (call.durationMs ?? 0) / 1000,
    ...(call.error ? { error: call.error.message, error_type: call.error.name } : {}),
    rlm_ts_call: rest,
  };
}

/**
 * The tokens a sub-call spent, as the reference's visualizer shows them on the call: a plain call's
 * own usage; for a child RLM (which has no usage of its own) its whole run's, per model too.
 */
function subCallSpending(call: TrajectorySubCall): {
  inputTokens: number;
  outputTokens: number;
  byModel: Record<string, { total_calls: number; total_input_tokens: number; total_output_tokens: number }>;
} {
  const childUsage = call.usage === undefined ? call.child?.usage : undefined;
  if (childUsage) {
    return {
      inputTokens: childUsage.total.inputTokens,
      outputTokens: childUsage.total.outputTokens,
      byModel: Object.fromEntries(
        Object.entries(childUsage.byModel).map(([model, totals]) => [
          model,
          {
            total_calls: totals.calls,
            total_input_tokens: totals.inputTokens,
            total_output_tokens: totals.outputTokens,
          },
        ]),
      ),
    };
  }
  const inputTokens = call.usage?.inputTokens ?? 0;
  const outputTokens = call.usage?.outputTokens ?? 0;
  return {
    inputTokens,
    outputTokens,
    byModel: {
      [call.model]: { total_calls: 1, total_input_tokens: inputTokens, total_output_tokens: outputTokens },
    },
  };
}

/** A sub-call read back; files written before the prompt was stored once keep it in `rlm_ts_call` too. */
function subCallFromReference(call: {
  readonly prompt?: string;
  readonly response?: string;
  readonly rlm_ts_no_response?: boolean;
  readonly rlm_ts_call: Partial<TrajectorySubCall>;
}): TrajectorySubCall {
  const stored = call.rlm_ts_call;
  // An older file kept the whole call in rlm_ts_call: its own prompt and response are the record.
  const older = 'prompt' in stored;
  const response = older ? stored.response : call.rlm_ts_no_response ? undefined : call.response;
  return {
    ...stored,
    prompt: stored.prompt ?? call.prompt ?? '',
    ...(response === undefined ? {} : { response }),
  } as TrajectorySubCall;
}

/**
 * Reads a trajectory written by {@link trajectoryToJsonl} or, line by line as it grew, by
 * `openTrajectoryJsonlWriter` (older files too). A last line cut off before its newline (the process
 * was killed while writing it) is left out. Throws with the line number on any other malformed line.
 */
export function parseTrajectoryJsonl(text: string): Trajectory {
  const lines = text.split('\n');
  // The text after the last newline is a line only if it is whole: a killed writer leaves half a line.
  const unterminated = lines.pop() ?? '';
  const records: Array<Record<string, unknown>> = [];
  lines.forEach((line, index) => {
    if (line.trim() !== '') records.push(parseLine(line, index + 1));
  });
  if (unterminated.trim() !== '') {
    try {
      records.push(JSON.parse(unterminated) as Record<string, unknown>);
    } catch {
      // Cut off while it was written: everything before it is whole.
    }
  }
  const head = records[0];
  if (
    !head ||
    head.type !== 'metadata' ||
    typeof head.rlm_ts_metadata !== 'object' ||
    typeof head.run !== 'object'
  ) {
    throw new InvalidArgumentError({
      argument: 'text',
      message:
        'The first line is not an @rlm/core trajectory metadata line (type "metadata" with "run" and "rlm_ts_metadata"). Logs of other libraries cannot be read back.',
    });
  }
  const metadata = head.rlm_ts_metadata as Trajectory['metadata'];
  const iterations: TrajectoryIteration[] = [];
  const modelCalls: RecordedModelCall[] = [];
  let end: Partial<TrajectoryRunFields> = {};
  records.slice(1).forEach((record, index) => {
    if (record.type === 'iteration') iterations.push(iterationFromLine(record));
    else if (record.type === 'metadata' && isRecord(record[MODEL_CALL_FIELD]))
      modelCalls.push(record[MODEL_CALL_FIELD] as unknown as RecordedModelCall);
    else if (record.type === 'metadata' && isRecord(record[END_FIELD]))
      end = record[END_FIELD] as Partial<TrajectoryRunFields>;
    else if (record.type === 'metadata') {
      throw new InvalidArgumentError({
        argument: 'text',
        message: `Trajectory line ${index + 2} is a second metadata line holding neither "${MODEL_CALL_FIELD}" nor "${END_FIELD}": the file is not one trajectory (were two files joined?).`,
      });
    } else if (record.type === OLD_MODEL_CALL_LINE) {
      const { type: _type, ...call } = record;
      modelCalls.push(call as unknown as RecordedModelCall);
    } else if (record.type === OLD_END_LINE) end = record.run as Partial<TrajectoryRunFields>;
    else if (typeof record.type !== 'string' || !record.type.startsWith('rlm_ts_')) {
      throw new InvalidArgumentError({
        argument: 'text',
        message: `Trajectory line ${index + 2} is not an iteration line.`,
      });
    }
  });
  return {
    ...(head.run as TrajectoryRunFields),
    ...end,
    metadata,
    iterations,
    // Files of versions that did not record the calls have no context hash either: no list, not an empty one.
    ...(modelCalls.length > 0 || metadata.contextSha256 !== undefined ? { modelCalls } : {}),
  };
}

function parseLine(line: string, number: number): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'text',
      message: `Trajectory line ${number} is not JSON: ${(error as Error).message}`,
      cause: error,
    });
  }
}

function iterationFromLine(record: Record<string, unknown>): TrajectoryIteration {
  const codeBlocks = (record.code_blocks as Array<{ code: string; result: Record<string, unknown> }>).map(
    (block) => {
      const result = block.result;
      const cell = result.rlm_ts_cell as Omit<CellResult, 'stdout' | 'stderr'> | null;
      const subCalls = (result.rlm_calls as Parameters<typeof subCallFromReference>[0][]).map(
        subCallFromReference,
      );
      const codeBlock: TrajectoryCodeBlock = { code: block.code, subCalls };
      if (cell)
        codeBlock.result = {
          ...cell,
          stdout: result.stdout as string,
          stderr: result.stderr as string,
          ...variablesFromLine(result),
        };
      return codeBlock;
    },
  );
  const extra = record.rlm_ts_iteration as Omit<TrajectoryIteration, 'turn' | 'response' | 'codeBlocks'>;
  const iteration: TrajectoryIteration = {
    ...extra,
    turn: record.iteration as number,
    response: record.response as string,
    codeBlocks,
  };
  if (typeof record.final_answer === 'string') iteration.finalAnswer = record.final_answer;
  return iteration;
}

/** A cell's variables from its `locals` and `rlm_ts_variable_types` (absent from older files). */
function variablesFromLine(result: Record<string, unknown>): Pick<CellResult, 'variables'> {
  const types = result.rlm_ts_variable_types as Record<string, string> | undefined;
  const locals = result.locals as Record<string, string> | undefined;
  if (!types || !locals) return {};
  return {
    variables: Object.entries(types).map(([name, type]) => ({ name, type, preview: locals[name] ?? '' })),
  };
}

/** Writes the trajectory to `path` as JSONL (Node). */
export async function writeTrajectoryJsonl(
  path: string,
  trajectory: Trajectory,
  options?: TrajectoryJsonlOptions,
): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, trajectoryToJsonl(trajectory, options), 'utf8');
}

/** Reads a JSONL trajectory from `path` (Node). */
export async function readTrajectoryJsonl(path: string): Promise<Trajectory> {
  const { readFile } = await import('node:fs/promises');
  return parseTrajectoryJsonl(await readFile(path, 'utf8'));
}

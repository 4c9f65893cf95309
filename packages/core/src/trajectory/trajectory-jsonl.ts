import type { CellResult } from '../environment/repl-environment';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { ChatMessage } from '../language-model/language-model';
import type { Trajectory, TrajectoryCodeBlock, TrajectoryIteration, TrajectorySubCall } from './trajectory';

/*
 * The JSONL layout is the reference library's (alexzhang13/rlm `RLMLogger`), so its visualizer opens
 * our logs: a `metadata` line, then one `iteration` line per turn with `prompt`, `response`,
 * `code_blocks[{ code, result: { stdout, stderr, locals, execution_time, rlm_calls } }]`,
 * `final_answer` and `iteration_time` (times in seconds there). Everything else we record rides in
 * extra fields (`rlm_ts_*`, `run`, …) that their reader ignores and ours reads back losslessly.
 */

export interface TrajectoryJsonlOptions {
  /**
   * Write each iteration's full `prompt` (every message sent so far), as the reference does. The file
   * then grows with the square of the turns; turn it off for long runs. Default true.
   */
  readonly includePrompts?: boolean;
}

/** The trajectory as JSON lines (newline-terminated). */
export function trajectoryToJsonl(trajectory: Trajectory, options: TrajectoryJsonlOptions = {}): string {
  const includePrompts = options.includePrompts ?? true;
  const { iterations, metadata, ...run } = trajectory;
  const lines: unknown[] = [
    {
      type: 'metadata',
      timestamp: trajectory.startedAt,
      root_model: metadata.rootModel,
      max_depth: metadata.maxDepth,
      max_iterations: metadata.maxTurns,
      backend: metadata.rootModel.split(':')[0],
      backend_kwargs: { model_name: metadata.rootModel.split(':').slice(1).join(':') },
      environment_type: metadata.environment,
      environment_kwargs: {},
      other_backends: metadata.subModel === metadata.rootModel ? null : [metadata.subModel],
      rlm_ts_version: trajectory.version,
      run,
      rlm_ts_metadata: metadata,
    },
  ];
  const messages: ChatMessage[] = [...metadata.initialMessages];
  for (const iteration of iterations) {
    const { response, codeBlocks, finalAnswer, turn, ...extra } = iteration;
    lines.push({
      type: 'iteration',
      iteration: turn,
      timestamp: trajectory.startedAt,
      ...(includePrompts ? { prompt: [...messages] } : {}),
      response,
      code_blocks: codeBlocks.map(codeBlockToReference),
      final_answer: finalAnswer ?? null,
      iteration_time: (iteration.durationMs ?? 0) / 1000,
      rlm_ts_iteration: extra,
    });
    messages.push({ role: 'assistant', content: response });
    if (iteration.feedback !== undefined) messages.push({ role: 'user', content: iteration.feedback });
  }
  return `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
}

function codeBlockToReference(block: TrajectoryCodeBlock): unknown {
  const { stdout = '', stderr = '', durationMs = 0, ...cell } = block.result ?? ({} as Partial<CellResult>);
  return {
    code: block.code,
    result: {
      stdout,
      stderr,
      locals: {},
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
  const usage = call.usage;
  return {
    root_model: call.model,
    prompt,
    response: response ?? '',
    ...(response === undefined ? { rlm_ts_no_response: true } : {}),
    usage_summary: {
      model_usage_summaries: {
        [call.model]: {
          total_calls: 1,
          total_input_tokens: usage?.inputTokens ?? 0,
          total_output_tokens: usage?.outputTokens ?? 0,
        },
      },
    },
    prompt_tokens: usage?.inputTokens ?? 0,
    completion_tokens: usage?.outputTokens ?? 0,
    execution_time: (call.durationMs ?? 0) / 1000,
    ...(call.error ? { error: call.error.message, error_type: call.error.name } : {}),
    rlm_ts_call: rest,
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

/** Reads a trajectory written by {@link trajectoryToJsonl}. Throws with the line number on malformed input. */
export function parseTrajectoryJsonl(text: string): Trajectory {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const records = lines.map((line, index) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new InvalidArgumentError({
        argument: 'text',
        message: `Trajectory line ${index + 1} is not JSON: ${(error as Error).message}`,
        cause: error,
      });
    }
  });
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
  const iterations: TrajectoryIteration[] = records.slice(1).map((record, index) => {
    if (record.type !== 'iteration') {
      throw new InvalidArgumentError({
        argument: 'text',
        message: `Trajectory line ${index + 2} is not an iteration line.`,
      });
    }
    const codeBlocks = (record.code_blocks as Array<{ code: string; result: Record<string, unknown> }>).map(
      (block) => {
        const result = block.result;
        const cell = result.rlm_ts_cell as Omit<CellResult, 'stdout' | 'stderr'> | null;
        const subCalls = (result.rlm_calls as Parameters<typeof subCallFromReference>[0][]).map(
          subCallFromReference,
        );
        const codeBlock: TrajectoryCodeBlock = { code: block.code, subCalls };
        if (cell)
          codeBlock.result = { ...cell, stdout: result.stdout as string, stderr: result.stderr as string };
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
  });
  return {
    ...(head.run as Omit<Trajectory, 'metadata' | 'iterations'>),
    metadata: head.rlm_ts_metadata as Trajectory['metadata'],
    iterations,
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

import type {
  CellResult,
  Trajectory,
  TrajectoryCodeBlock,
  TrajectoryIteration,
  TrajectorySubCall,
} from '@rlm/core';
import {
  emptyUsage,
  type RunModel,
  type ViewCall,
  type ViewCell,
  type ViewRun,
  type ViewTurn,
  type ViewUsage,
  viewText,
} from './run-model';
import { summarizeRun } from './summarize-run';

/** The file is not a trajectory at all (its first record is neither a metadata nor an iteration line). */
export class NotATrajectoryError extends Error {
  override readonly name = 'NotATrajectoryError';
}

type Line = Record<string, unknown>;

/**
 * Reads a JSONL trajectory line by line, as it arrives: ours (`@rlm/core`'s `trajectoryToJsonl` or
 * its writer, children nested in sub-calls) and the reference library's logs (a `metadata` line, then
 * `iteration` lines), which share the layout. Malformed lines are skipped with a warning; a last
 * line cut off mid-write is expected of a killed run and read as the end of what is readable.
 */
export class TrajectoryReader {
  private nextId = 1;
  private lineNumber = 0;
  private kind: 'rlm' | 'reference' | undefined;
  private readonly warnings: string[] = [];
  private badLines = 0;
  private metadata: Line | undefined;
  private end: Partial<Trajectory> | undefined;
  private readonly root: ViewRun;

  constructor(private readonly fileName?: string) {
    this.root = {
      id: this.id(),
      depth: 0,
      question: viewText(''),
      status: 'unfinished',
      usage: emptyUsage(),
      turns: [],
    };
  }

  /** Reads one line (without its newline). `last` marks text after the file's last newline. */
  push(text: string, last = false): void {
    this.lineNumber++;
    if (text.trim() === '') return;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch (error) {
      if (this.kind === undefined && this.badLines === 0 && this.root.turns.length === 0) {
        throw new NotATrajectoryError(
          `Line ${this.lineNumber} is not JSON (${(error as Error).message}): this is not a JSONL trajectory. Open a file written by rlm --trajectory (or @rlm/core's writeTrajectoryJsonl), or a log of the reference library.`,
        );
      }
      this.badLines++;
      this.warnings.push(
        last
          ? `The last line (${this.lineNumber}) is cut off: the run was probably killed while writing it. Showing what was written before it.`
          : `Line ${this.lineNumber} is not JSON and was skipped.`,
      );
      return;
    }
    if (typeof line !== 'object' || line === null || Array.isArray(line)) {
      this.rejectOrWarn(`Line ${this.lineNumber} is not a JSON object.`);
      return;
    }
    // Records of ours that are not turns ride in metadata lines (the reference's reader takes every
    // other line for an iteration): a recorded model call, or the closing fields of a run.
    if (line.type === 'metadata' && isObject(line.rlm_ts_end))
      this.end = line.rlm_ts_end as Partial<Trajectory>;
    else if (line.type === 'metadata' && isObject(line.rlm_ts_model_call)) {
      // A recorded model call (for resuming): nothing to show beyond what the iterations hold.
    } else if (line.type === 'metadata') this.readMetadata(line);
    else if (line.type === 'iteration' || (line.type === undefined && Array.isArray(line.code_blocks)))
      this.readIteration(line);
    // Files of earlier versions: the closing line had a type of its own.
    else if (line.type === 'rlm_ts_end') this.end = line.run as Partial<Trajectory>;
    else if (typeof line.type === 'string' && line.type.startsWith('rlm_ts_')) {
      // A recorded model call (for resuming): nothing to show beyond what the iterations hold.
    } else this.rejectOrWarn(`Line ${this.lineNumber} is neither a metadata nor an iteration line.`);
  }

  private rejectOrWarn(message: string): void {
    if (this.kind === undefined && this.root.turns.length === 0) {
      throw new NotATrajectoryError(
        `${message} This is not an RLM trajectory: the first line of one is {"type":"metadata",…} or an iteration with "code_blocks".`,
      );
    }
    this.warnings.push(`${message} It was skipped.`);
  }

  private id(): number {
    return this.nextId++;
  }

  private readMetadata(line: Line): void {
    this.metadata = line;
    const ours = line.rlm_ts_metadata as Trajectory['metadata'] | undefined;
    const run = line.run as Partial<Trajectory> | undefined;
    this.kind = ours ? 'rlm' : 'reference';
    const root = this.root;
    if (ours) {
      root.question = viewText(ours.question);
      root.rootModel = ours.rootModel;
      root.subModel = ours.subModel;
      root.environment = ours.environment;
      root.maxTurns = ours.maxTurns;
      root.maxDepth = ours.maxDepth;
      if (run?.startedAt) root.startedAt = Date.parse(run.startedAt);
    } else {
      root.rootModel = stringOr(line.root_model, undefined);
      const others = line.other_backends;
      root.subModel = Array.isArray(others) && typeof others[0] === 'string' ? others[0] : root.rootModel;
      root.environment = stringOr(line.environment_type, undefined);
      root.maxTurns = numberOr(line.max_iterations, undefined);
      root.maxDepth = numberOr(line.max_depth, undefined);
      const at = typeof line.timestamp === 'string' ? parseTime(line.timestamp) : undefined;
      if (at !== undefined) root.startedAt = at;
    }
  }

  private readIteration(line: Line): void {
    if (this.kind === undefined) this.kind = line.rlm_ts_iteration ? 'rlm' : 'reference';
    const turn =
      line.rlm_ts_iteration !== undefined
        ? this.turnOfOurs(iterationOfLine(line), this.root)
        : this.turnOfReference(line, this.root);
    this.root.turns.push(turn);
    if (this.kind === 'reference' && this.root.turns.length === 1) {
      const question = questionOfReferencePrompt(line.prompt);
      if (question) this.root.question = viewText(question);
    }
  }

  /** A turn of ours (a root line made back into an iteration, or a child's iteration object). */
  private turnOfOurs(iteration: TrajectoryIteration, run: ViewRun): ViewTurn {
    const previous = run.turns.at(-1);
    const startedAt = iteration.startedAt
      ? Date.parse(iteration.startedAt)
      : previous?.startedAt !== undefined
        ? previous.startedAt + (previous.durationMs ?? 0)
        : run.startedAt;
    const turn: ViewTurn = {
      id: this.id(),
      turn: iteration.turn,
      response: viewText(iteration.response ?? ''),
      usage: usageOf(iteration.usage),
      cells: [],
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(iteration.modelDurationMs !== undefined ? { modelDurationMs: iteration.modelDurationMs } : {}),
      ...(iteration.durationMs !== undefined ? { durationMs: iteration.durationMs } : {}),
      ...(iteration.costUsd !== undefined ? { costUsd: iteration.costUsd } : {}),
      ...(iteration.finishReason ? { finishReason: iteration.finishReason } : {}),
      ...(iteration.servedFrom ? { servedFrom: iteration.servedFrom } : {}),
      ...(iteration.finalAnswer !== undefined ? { finalAnswer: viewText(iteration.finalAnswer) } : {}),
    };
    let cellStart = startedAt === undefined ? undefined : startedAt + (iteration.modelDurationMs ?? 0);
    (iteration.codeBlocks ?? []).forEach((block, index) => {
      const cell = this.cellOfOurs(block, index, run, cellStart);
      turn.cells.push(cell);
      if (cellStart !== undefined) cellStart += cell.durationMs ?? 0;
    });
    return turn;
  }

  private cellOfOurs(
    block: TrajectoryCodeBlock,
    index: number,
    run: ViewRun,
    startedAt: number | undefined,
  ): ViewCell {
    const result: Partial<CellResult> = block.result ?? {};
    const cell: ViewCell = {
      id: this.id(),
      index,
      code: viewText(block.code ?? ''),
      ran: block.result !== undefined,
      stdout: viewText(result.stdout ?? ''),
      stderr: viewText(result.stderr ?? ''),
      variables: (result.variables ?? []).map((variable) => ({ ...variable })),
      calls: [],
      ...(result.value !== undefined ? { value: result.value } : {}),
      ...(result.error
        ? {
            error: {
              kind: result.error.kind,
              name: result.error.name,
              message: result.error.message,
              ...(result.error.line !== undefined ? { line: result.error.line } : {}),
            },
          }
        : {}),
      ...(result.stateLost ? { stateLost: result.stateLost } : {}),
      ...(result.final
        ? { final: { source: result.final.source, value: viewText(result.final.value) } }
        : {}),
      ...(result.durationMs !== undefined ? { durationMs: result.durationMs } : {}),
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(result.droppedOutputChars ? { droppedOutputChars: result.droppedOutputChars } : {}),
    };
    for (const call of block.subCalls ?? []) cell.calls.push(this.callOfOurs(call, run, startedAt));
    return cell;
  }

  private callOfOurs(call: TrajectorySubCall, run: ViewRun, cellStart: number | undefined): ViewCall {
    const startedAt = call.startedAt ? Date.parse(call.startedAt) : cellStart;
    const view: ViewCall = {
      id: this.id(),
      kind: call.kind,
      model: call.model,
      prompt: viewText(call.prompt ?? ''),
      startKnown: call.startedAt !== undefined,
      outcome: call.error ? 'failed' : call.response !== undefined ? 'answered' : 'unknown',
      ...(call.response !== undefined ? { response: viewText(call.response) } : {}),
      ...(call.error ? { error: { name: call.error.name, message: call.error.message } } : {}),
      ...(call.usage ? { usage: usageOf(call.usage) } : {}),
      ...(call.costUsd !== undefined ? { costUsd: call.costUsd } : {}),
      ...(call.durationMs !== undefined ? { durationMs: call.durationMs } : {}),
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(call.servedFrom ? { servedFrom: call.servedFrom } : {}),
    };
    if (call.child) view.child = this.runOfOurs(call.child, run.depth + 1);
    return view;
  }

  /** A child run, kept whole (object form) inside its parent's sub-call. */
  private runOfOurs(trajectory: Trajectory, depth: number): ViewRun {
    const run: ViewRun = {
      id: this.id(),
      depth,
      question: viewText(trajectory.metadata?.question ?? ''),
      status: 'unfinished',
      usage: emptyUsage(),
      turns: [],
      rootModel: trajectory.metadata?.rootModel,
      subModel: trajectory.metadata?.subModel,
      environment: trajectory.metadata?.environment,
      maxTurns: trajectory.metadata?.maxTurns,
      ...(trajectory.startedAt ? { startedAt: Date.parse(trajectory.startedAt) } : {}),
    };
    for (const iteration of trajectory.iterations ?? []) run.turns.push(this.turnOfOurs(iteration, run));
    closeRun(run, trajectory);
    return run;
  }

  /** A turn of a reference log: times in seconds, `timestamp` written when the turn ended. */
  private turnOfReference(line: Line, run: ViewRun): ViewTurn {
    const durationMs = secondsToMs(line.iteration_time);
    const endedAt = typeof line.timestamp === 'string' ? parseTime(line.timestamp) : undefined;
    const startedAt = endedAt !== undefined && durationMs !== undefined ? endedAt - durationMs : endedAt;
    const blocks = Array.isArray(line.code_blocks) ? (line.code_blocks as Line[]) : [];
    const final = referenceFinalAnswer(line.final_answer);
    const turn: ViewTurn = {
      id: this.id(),
      turn: numberOr(line.iteration, run.turns.length + 1) ?? run.turns.length + 1,
      response: viewText(typeof line.response === 'string' ? line.response : ''),
      usage: emptyUsage(),
      cells: [],
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(final !== undefined ? { finalAnswer: viewText(final) } : {}),
    };
    const cellTime = blocks.reduce(
      (sum, block) => sum + (secondsToMs(resultOf(block).execution_time) ?? 0),
      0,
    );
    // The reference does not time the model call: what the turn took beyond its cells.
    if (durationMs !== undefined) turn.modelDurationMs = Math.max(0, durationMs - cellTime);
    let cellStart = startedAt === undefined ? undefined : startedAt + (turn.modelDurationMs ?? 0);
    blocks.forEach((block, index) => {
      const result = resultOf(block);
      const cellDuration = secondsToMs(result.execution_time);
      const locals =
        typeof result.locals === 'object' && result.locals !== null ? (result.locals as Line) : {};
      const cell: ViewCell = {
        id: this.id(),
        index,
        code: viewText(typeof block.code === 'string' ? block.code : ''),
        ran: block.result !== undefined && block.result !== null,
        stdout: viewText(stringOr(result.stdout, '') ?? ''),
        stderr: viewText(stringOr(result.stderr, '') ?? ''),
        variables: Object.entries(locals).map(([name, value]) => ({ name, preview: previewOf(value) })),
        calls: [],
        ...(cellDuration !== undefined ? { durationMs: cellDuration } : {}),
        ...(cellStart !== undefined ? { startedAt: cellStart } : {}),
      };
      const calls = Array.isArray(result.rlm_calls) ? (result.rlm_calls as Line[]) : [];
      for (const call of calls) {
        const [input, output] = referenceTokens(call);
        const error = typeof call.error === 'string' ? call.error : undefined;
        const child = this.childOfReference(call.metadata, run.depth + 1);
        cell.calls.push({
          ...(child ? { child } : {}),
          id: this.id(),
          kind: child ? 'rlm' : 'llm',
          model: stringOr(call.root_model, run.subModel ?? '') ?? '',
          prompt: viewText(typeof call.prompt === 'string' ? call.prompt : JSON.stringify(call.prompt ?? '')),
          ...(error === undefined
            ? { response: viewText(stringOr(call.response, '') ?? '') }
            : { error: { name: stringOr(call.error_type, 'Error') ?? 'Error', message: error } }),
          outcome: error === undefined ? 'answered' : 'failed',
          usage: { input, output, cached: 0 },
          startKnown: false,
          ...(secondsToMs(call.execution_time) !== undefined
            ? { durationMs: secondsToMs(call.execution_time) as number }
            : {}),
          ...(cellStart !== undefined ? { startedAt: cellStart } : {}),
        });
      }
      turn.cells.push(cell);
      if (cellStart !== undefined) cellStart += cellDuration ?? 0;
    });
    return turn;
  }

  /** A child run the reference keeps in a sub-call's `metadata` (`run_metadata` and `iterations`). */
  private childOfReference(metadata: unknown, depth: number): ViewRun | undefined {
    if (typeof metadata !== 'object' || metadata === null) return undefined;
    const { run_metadata: runMetadata, iterations } = metadata as Line;
    if (!Array.isArray(iterations)) return undefined;
    const settings = (typeof runMetadata === 'object' && runMetadata !== null ? runMetadata : {}) as Line;
    const run: ViewRun = {
      id: this.id(),
      depth,
      question: viewText(''),
      status: 'unfinished',
      usage: emptyUsage(),
      turns: [],
      ...(typeof settings.root_model === 'string' ? { rootModel: settings.root_model } : {}),
    };
    for (const line of iterations as Line[]) {
      if (typeof line !== 'object' || line === null) continue;
      run.turns.push(this.turnOfReference(line, run));
      if (run.turns.length === 1) run.question = viewText(questionOfReferencePrompt(line.prompt) ?? '');
    }
    const last = run.turns.at(-1);
    if (last?.finalAnswer) {
      run.answer = last.finalAnswer;
      run.status = 'answered';
    }
    return run;
  }

  /** The model of everything read so far. */
  finish(): RunModel {
    if (this.kind === undefined && this.root.turns.length === 0) {
      throw new NotATrajectoryError(
        this.lineNumber === 0 || this.badLines > 0
          ? 'The file is empty or holds no whole line: there is no trajectory to show.'
          : 'The file holds no metadata or iteration line: it is not an RLM trajectory.',
      );
    }
    const root = this.root;
    const run = { ...((this.metadata?.run as Partial<Trajectory> | undefined) ?? {}), ...(this.end ?? {}) };
    if (this.kind === 'rlm') {
      closeRun(root, run as Trajectory);
      // A file written whole has the closing fields in its metadata line; one written as the run
      // went gets them in a closing line. Neither: the run did not finish writing.
      const closed = this.end !== undefined || run.durationMs !== undefined || run.error !== undefined;
      if (!closed) {
        root.status = 'unfinished';
        root.reason =
          'The file ends before the run did: it was stopped (killed, or its machine went down) or is still being written.';
      }
    } else {
      const last = root.turns.at(-1);
      if (last?.finalAnswer) {
        root.answer = last.finalAnswer;
        root.status = 'answered';
      } else {
        root.status = 'unfinished';
        root.reason = 'No iteration gave a final answer.';
      }
      const first = root.turns[0];
      if (last && first?.startedAt !== undefined && last.startedAt !== undefined) {
        root.durationMs = last.startedAt + (last.durationMs ?? 0) - first.startedAt;
        root.startedAt = first.startedAt;
      }
    }
    return summarizeRun({
      source: this.kind ?? 'reference',
      ...(this.fileName ? { fileName: this.fileName } : {}),
      root,
      records: this.lineNumber,
      warnings: [...this.warnings],
    });
  }
}

/** Sets a run's end: answer, status, usage, cost and time from its closing fields. */
function closeRun(run: ViewRun, trajectory: Partial<Trajectory>): void {
  if (trajectory.answer !== undefined) run.answer = viewText(trajectory.answer);
  if (trajectory.error) {
    run.status = trajectory.answer !== undefined ? 'partial' : 'failed';
    run.reason = `${trajectory.error.name}: ${trajectory.error.message}`;
  } else if (trajectory.answer !== undefined) run.status = 'answered';
  if (trajectory.durationMs !== undefined) run.durationMs = trajectory.durationMs;
  const total = trajectory.usage?.total;
  if (total) {
    run.usage = { input: total.inputTokens, output: total.outputTokens, cached: total.cachedInputTokens };
    run.costUsd = total.costUsd;
    run.unpricedCalls = total.callsWithUnknownCost;
  }
  if (trajectory.failedSubCalls) {
    run.failedSubCalls = { failed: trajectory.failedSubCalls.count, total: trajectory.failedSubCalls.total };
  }
}

/** A root iteration line of ours made back into the iteration it was written from. */
function iterationOfLine(line: Line): TrajectoryIteration {
  const extra = (line.rlm_ts_iteration ?? {}) as Partial<TrajectoryIteration>;
  const blocks = Array.isArray(line.code_blocks) ? (line.code_blocks as Line[]) : [];
  return {
    ...extra,
    turn: numberOr(line.iteration, 0) ?? 0,
    response: typeof line.response === 'string' ? line.response : '',
    usage: extra.usage ?? { inputTokens: 0, outputTokens: 0 },
    modelDurationMs: extra.modelDurationMs ?? 0,
    ...(typeof line.final_answer === 'string' ? { finalAnswer: line.final_answer } : {}),
    codeBlocks: blocks.map((block) => {
      const result = resultOf(block);
      const cell = result.rlm_ts_cell as Omit<CellResult, 'stdout' | 'stderr'> | null | undefined;
      const calls = Array.isArray(result.rlm_calls) ? (result.rlm_calls as Line[]) : [];
      const codeBlock: TrajectoryCodeBlock = {
        code: typeof block.code === 'string' ? block.code : '',
        subCalls: calls.map((call) => {
          const stored = (call.rlm_ts_call ?? {}) as Partial<TrajectorySubCall>;
          const response =
            'prompt' in stored ? stored.response : call.rlm_ts_no_response ? undefined : call.response;
          return {
            ...stored,
            prompt: stored.prompt ?? (typeof call.prompt === 'string' ? call.prompt : ''),
            ...(typeof response === 'string' ? { response } : {}),
          } as TrajectorySubCall;
        }),
      };
      if (cell) {
        const types = result.rlm_ts_variable_types as Record<string, string> | undefined;
        const locals = (result.locals ?? {}) as Record<string, string>;
        codeBlock.result = {
          ...cell,
          stdout: stringOr(result.stdout, '') ?? '',
          stderr: stringOr(result.stderr, '') ?? '',
          ...(types
            ? {
                variables: Object.entries(types).map(([name, type]) => ({
                  name,
                  type,
                  preview: locals[name] ?? '',
                })),
              }
            : {}),
        };
      }
      return codeBlock;
    }),
  };
}

/** Where the reference's own visualizer finds a run's question: the first user message of the first prompt. */
function questionOfReferencePrompt(prompt: unknown): string | undefined {
  if (!Array.isArray(prompt)) return undefined;
  for (const message of prompt as Line[]) {
    if (message?.role !== 'user' || typeof message.content !== 'string') continue;
    const quoted = /original query: "([^"]+)"/.exec(message.content);
    if (quoted) return quoted[1];
    return message.content;
  }
  return undefined;
}

function referenceFinalAnswer(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  // Older reference logs keep `[kind, answer]`.
  if (Array.isArray(value) && typeof value[1] === 'string') return value[1];
  return undefined;
}

/** A reference sub-call's tokens: its own fields, else its usage summary's (one model per call). */
function referenceTokens(call: Line): [number, number] {
  if (typeof call.prompt_tokens === 'number' || typeof call.completion_tokens === 'number') {
    return [numberOr(call.prompt_tokens, 0) ?? 0, numberOr(call.completion_tokens, 0) ?? 0];
  }
  const summaries = ((call.usage_summary as Line | undefined)?.model_usage_summaries ?? {}) as Record<
    string,
    Line
  >;
  let input = 0;
  let output = 0;
  for (const summary of Object.values(summaries)) {
    input += numberOr(summary.total_input_tokens, 0) ?? 0;
    output += numberOr(summary.total_output_tokens, 0) ?? 0;
  }
  return [input, output];
}

function isObject(value: unknown): value is Line {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resultOf(block: Line): Line {
  return typeof block.result === 'object' && block.result !== null ? (block.result as Line) : {};
}

function previewOf(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? String(value)).slice(0, 200);
}

function usageOf(
  usage: { inputTokens?: number; outputTokens?: number; cachedInputTokens?: number } | undefined,
): ViewUsage {
  return {
    input: usage?.inputTokens ?? 0,
    output: usage?.outputTokens ?? 0,
    cached: usage?.cachedInputTokens ?? 0,
  };
}

function secondsToMs(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Python's `datetime.isoformat()` has no zone: it is the writer's local time, read here as such. */
function parseTime(text: string): number | undefined {
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/** Reads a whole JSONL text (tests, small files); the page streams instead. */
export function readTrajectoryText(text: string, fileName?: string): RunModel {
  const reader = new TrajectoryReader(fileName);
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  for (const line of lines) reader.push(line);
  if (tail.trim() !== '') reader.push(tail, true);
  return reader.finish();
}

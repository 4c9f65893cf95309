import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CompletionOptions,
  openTrajectoryJsonlWriter,
  parseTrajectoryJsonl,
  type Trajectory,
  trajectoryToJsonl,
} from '@rlm/core';
import { MockLanguageModel, type MockRequest } from '@rlm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';
import { type LogLine, readAsReferenceVisualizer } from './reference-visualizer-reading';

/**
 * Every trajectory file we write — as the run goes (`openTrajectoryJsonlWriter`, what `rlm
 * --trajectory` uses) or whole (`trajectoryToJsonl`), with prompts or without — for runs of every
 * kind (answered with sub-calls, with a child RLM, failed, stopped by a limit, resumed), read by the
 * reference visualizer's rules (see reference-visualizer-reading.ts): no line breaks or skews it,
 * and it shows our iterations, code blocks, sub-calls with their tokens, final answer, question and
 * configuration. The same files still read back whole for a resume.
 */

const QUESTION = 'How many errors of each kind?';
const CONTEXT = 'ERROR disk full\nINFO ok\nERROR network down\nERROR disk again';
const turnOf = (request: MockRequest) =>
  request.messages.filter((message) => message.role === 'assistant').length + 1;

/** Sub-model: a child RLM's root (system prompt first) finishes in one cell; a plain call names the subsystem. */
function subModel() {
  return new MockLanguageModel({
    modelId: 'sub',
    responses: (request) =>
      request.messages[0]?.role === 'system'
        ? {
            text: code('const n = context.split("\\n").length; console.log(n); FINAL(String(n))'),
            usage: { inputTokens: 300, outputTokens: 20 },
            costUsd: 0.001,
          }
        : {
            text: /ERROR (\w+)/.exec(request.lastMessage)?.[1] ?? 'none',
            usage: { inputTokens: 41, outputTokens: 2 },
            costUsd: 0.001,
          },
  });
}

/** Two turns: classify the ERROR lines with sub-calls, then answer. */
const batchedTurns = [
  code(
    'const lines = context.split("\\n").filter((l) => l.startsWith("ERROR"));\nconst labels = await llm_query_batched(lines);\nconsole.log(labels.join(","))',
  ),
  code('FINAL(labels.join(","))'),
];

interface RunCase {
  readonly name: string;
  readonly root: (request: MockRequest) => string | Error;
  readonly options?: Partial<CompletionOptions>;
  readonly maxDepth?: number;
  /** A second run resumed from the first one's trajectory. */
  readonly resume?: boolean;
}

const CASES: readonly RunCase[] = [
  { name: 'answered, with sub-calls', root: (request) => batchedTurns[turnOf(request) - 1] ?? 'FINAL("x")' },
  {
    name: 'with a child RLM',
    maxDepth: 2,
    root: (request) =>
      turnOf(request) === 1
        ? code('const child = await rlm_query("How many lines?", context);\nconsole.log("child:", child)')
        : code('FINAL("child said " + child)'),
  },
  {
    name: 'failed (the root model errs on turn 2)',
    root: (request) => (turnOf(request) === 1 ? batchedTurns[0]! : new Error('scripted model failure')),
  },
  {
    name: 'stopped by a cost limit',
    options: { limits: { maxCostUsd: 0.0125 } },
    root: (request) => batchedTurns[turnOf(request) - 1] ?? 'FINAL("x")',
  },
  {
    name: 'resumed after a cost limit',
    options: { limits: { maxCostUsd: 0.0125 } },
    resume: true,
    root: (request) => batchedTurns[turnOf(request) - 1] ?? 'FINAL("x")',
  },
];

interface WrittenRun {
  readonly trajectory: Trajectory;
  /** The file the run wrote as it went. */
  readonly streamed: string;
}

let folder: string;
const runs = new Map<string, WrittenRun>();

async function writeRun(runCase: RunCase, index: number): Promise<WrittenRun> {
  const settings = () => ({
    model: new MockLanguageModel({
      modelId: 'root',
      responses: (request: MockRequest) => {
        const reply = runCase.root(request);
        return reply instanceof Error ? reply : { text: reply, costUsd: 0.01 };
      },
    }),
    subModel: subModel(),
    limits: { maxDepth: runCase.maxDepth ?? 1 },
  });
  const path = join(folder, `run-${index}.jsonl`);
  const complete = async (trajectory?: Trajectory): Promise<Trajectory> => {
    const trajectoryWriter = await openTrajectoryJsonlWriter(path);
    const rlm = quickjsRLM(settings());
    const options = { context: CONTEXT, trajectoryWriter, ...runCase.options };
    const outcome = await (trajectory
      ? rlm.resume(trajectory, { ...options, limits: { maxCostUsd: 1 } })
      : rlm.completion(QUESTION, options)
    ).then(
      (result) => result.trajectory,
      (error: { trajectory?: Trajectory }) => error.trajectory,
    );
    expect(trajectoryWriter.failure).toBeUndefined();
    // A failed run's error may not carry its trajectory: the file holds it.
    return outcome ?? parseTrajectoryJsonl(await readFile(path, 'utf8'));
  };
  let trajectory = await complete();
  if (runCase.resume) trajectory = await complete(trajectory);
  return { trajectory, streamed: await readFile(path, 'utf8') };
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'rlm-reference-visualizer-'));
  for (const [index, runCase] of CASES.entries()) runs.set(runCase.name, await writeRun(runCase, index));
}, 60_000);
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The run handed, as it happened, to a writer that leaves prompts out. */
async function streamedWithoutPrompts(trajectory: Trajectory): Promise<string> {
  const path = join(folder, `no-prompts-${trajectory.runId}.jsonl`);
  const writer = await openTrajectoryJsonlWriter(path, { includePrompts: false });
  writer.start({ ...trajectory, iterations: [], modelCalls: [] });
  for (const call of trajectory.modelCalls ?? []) writer.modelCall(call);
  for (const iteration of trajectory.iterations) writer.iteration(iteration);
  writer.end(trajectory);
  expect(writer.failure).toBeUndefined();
  return readFile(path, 'utf8');
}

const FILES = [
  { name: 'written as the run went', prompts: true, text: async (run: WrittenRun) => run.streamed },
  {
    name: 'written as the run went without prompts',
    prompts: false,
    text: (run: WrittenRun) => streamedWithoutPrompts(run.trajectory),
  },
  {
    name: 'written whole',
    prompts: true,
    text: async (run: WrittenRun) => trajectoryToJsonl(run.trajectory),
  },
  {
    name: 'written whole without prompts',
    prompts: false,
    text: async (run: WrittenRun) => trajectoryToJsonl(run.trajectory, { includePrompts: false }),
  },
];

describe('the reference visualizer shows every trajectory file we write correctly', () => {
  const matrix = CASES.flatMap((runCase) => FILES.map((file) => ({ run: runCase.name, file })));

  it.each(matrix)('$run, $file.name', async ({ run: name, file }) => {
    const run = runs.get(name)!;
    const { trajectory } = run;
    const text = await file.text(run);
    const reading = readAsReferenceVisualizer(text);

    // Nothing it reads throws, is skipped, or shows the wrong configuration.
    expect(reading.problems).toEqual([]);
    // Our iterations, and only ours, in order.
    expect(reading.iterations.map((line) => line.iteration)).toEqual(
      trajectory.iterations.map((iteration) => iteration.turn),
    );
    expect(reading.iterations.map((line) => line.response)).toEqual(
      trajectory.iterations.map((iteration) => iteration.response),
    );
    const blocks = trajectory.iterations.flatMap((iteration) => iteration.codeBlocks);
    expect(reading.totals.codeBlocks).toBe(blocks.length);
    expect(
      reading.iterations.flatMap((line) => line.code_blocks.map((block: LogLine) => block.code)),
    ).toEqual(blocks.map((block) => block.code));
    expect(
      reading.iterations.flatMap((line) => line.code_blocks.map((block: LogLine) => block.result.stdout)),
    ).toEqual(blocks.map((block) => block.result?.stdout ?? ''));
    // Sub-calls with the tokens they spent: a plain call's own, a child RLM's whole run's.
    const subCalls = blocks.flatMap((block) => block.subCalls);
    const spent = (call: (typeof subCalls)[number]) =>
      call.usage
        ? [call.usage.inputTokens, call.usage.outputTokens]
        : [call.child?.usage?.total.inputTokens ?? 0, call.child?.usage?.total.outputTokens ?? 0];
    expect(reading.totals.subCalls).toBe(subCalls.length);
    expect(
      reading.iterations.flatMap((line) =>
        line.code_blocks.flatMap((block: LogLine) =>
          block.result.rlm_calls.map((call: LogLine) => [call.prompt_tokens, call.completion_tokens]),
        ),
      ),
    ).toEqual(subCalls.map(spent));
    // Every sub-call here was answered and spent tokens: none shows 0 in / 0 out.
    expect(subCalls.map(spent).every(([input, output]) => input! > 0 && output! > 0)).toBe(true);
    // The final answer, the question and the configuration.
    const lastAnswer = trajectory.iterations.findLast((iteration) => iteration.finalAnswer)?.finalAnswer;
    expect(reading.finalAnswer).toBe(lastAnswer);
    if (trajectory.answerSource === 'FINAL') expect(reading.finalAnswer).toBe(trajectory.answer);
    // The question, from the first iteration's opening messages (written even when prompts are left out).
    expect(reading.question).toBe(trajectory.iterations.length > 0 ? QUESTION : undefined);
    if (file.prompts) {
      expect(reading.iterations.map((line) => line.prompt.length)).toEqual(
        trajectory.iterations.map((_, index) => 2 + 2 * index),
      );
    }
    expect(reading.config).toMatchObject({
      root_model: trajectory.metadata.rootModel,
      max_depth: trajectory.metadata.maxDepth,
      max_iterations: trajectory.metadata.maxTurns,
      environment_type: trajectory.metadata.environment,
    });

    // What a resume needs is still there: the file reads back with every recorded model call and the run's end.
    const read = parseTrajectoryJsonl(text);
    expect(read.modelCalls).toEqual(trajectory.modelCalls);
    expect(read.iterations).toHaveLength(trajectory.iterations.length);
    expect(read.error?.name).toBe(trajectory.error?.name);
    expect(read.answer).toBe(trajectory.answer);
  });

  it('the runs are of the kinds named (so the matrix above covers them)', () => {
    const of = (name: string) => runs.get(name)!.trajectory;
    expect(of('answered, with sub-calls').answerSource).toBe('FINAL');
    expect(
      of('with a child RLM').iterations[0]!.codeBlocks[0]!.subCalls.some((call) => call.child !== undefined),
    ).toBe(true);
    expect(of('failed (the root model errs on turn 2)').error).toBeDefined();
    expect(of('stopped by a cost limit').error?.name).toBe('LimitExceededError');
    const resumed = of('resumed after a cost limit');
    expect(resumed.iterations.some((iteration) => iteration.servedFrom === 'replay')).toBe(true);
    // Every file written as the run went holds records of ours besides the turns (model calls, the end).
    for (const { streamed, trajectory } of runs.values()) {
      expect(streamed.trim().split('\n').length).toBeGreaterThan(1 + trajectory.iterations.length);
    }
  });
});

describe('the reading by the reference rules catches what breaks the visualizer', () => {
  const metadata = { type: 'metadata', root_model: 'openai:a', environment_type: 'quickjs' };
  const iteration = {
    type: 'iteration',
    iteration: 1,
    timestamp: '2026-01-01T00:00:00.000Z',
    prompt: [{ role: 'user', content: 'original query: "Why?"' }],
    response: 'r',
    code_blocks: [
      {
        code: 'x',
        result: {
          stdout: '',
          stderr: '',
          locals: {},
          execution_time: 0,
          rlm_calls: [
            { prompt: 'p', response: 'q', prompt_tokens: 1, completion_tokens: 2, execution_time: 0 },
          ],
        },
      },
    ],
    final_answer: 'done',
    iteration_time: 0.1,
  };
  const read = (...lines: unknown[]) =>
    readAsReferenceVisualizer(
      lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'),
    );

  it('reads a well-formed log without problems', () => {
    const reading = read(metadata, iteration);
    expect(reading.problems).toEqual([]);
    expect(reading).toMatchObject({ finalAnswer: 'done', question: 'Why?' });
    expect(reading.totals).toEqual({ iterations: 1, codeBlocks: 1, subCalls: 1 });
  });

  it.each([
    [
      'a line of a type of its own',
      { type: 'rlm_ts_end', run: {} },
      /type "rlm_ts_end", taken for an iteration/,
    ],
    ['an iteration without prompt', { ...iteration, prompt: undefined }, /`prompt` is not a list/],
    [
      'a sub-call without tokens',
      {
        ...iteration,
        code_blocks: [
          {
            code: 'x',
            result: {
              ...iteration.code_blocks[0]!.result,
              rlm_calls: [{ prompt: 'p', response: 'q', execution_time: 0 }],
            },
          },
        ],
      },
      /`prompt_tokens` is not a number/,
    ],
    [
      'a metadata line with another configuration',
      { ...metadata, root_model: null },
      /another configuration/,
    ],
    ['a line that is not JSON', '{"type":"iteration",', /not JSON/],
  ])('%s', (_name, line, problem) => {
    expect(read(metadata, iteration, line).problems.join('\n')).toMatch(problem);
  });
});

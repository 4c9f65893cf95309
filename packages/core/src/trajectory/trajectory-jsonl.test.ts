import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { Trajectory } from './trajectory';
import {
  parseTrajectoryJsonl,
  readTrajectoryJsonl,
  trajectoryToJsonl,
  writeTrajectoryJsonl,
} from './trajectory-jsonl';
import { openTrajectoryJsonlWriter } from './trajectory-jsonl-writer';

function sampleTrajectory(): Trajectory {
  const child: Trajectory = {
    version: 1,
    runId: 'run-b',
    parentRunId: 'run-a',
    depth: 1,
    startedAt: '2026-11-27T10:00:01.000Z',
    metadata: {
      rootModel: 'mock:small',
      subModel: 'mock:small',
      environment: 'quickjs',
      maxDepth: 2,
      maxTurns: 5,
      question: 'sub',
      context: {
        type: 'string',
        totalCharacters: 3,
        approximateTokens: 1,
        parts: 1,
        partSizes: [3],
        head: 'abc',
        tail: '',
      },
      initialMessages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'u' },
      ],
    },
    iterations: [],
    answer: 'child answer',
    answerSource: 'FINAL',
  };
  return {
    version: 1,
    runId: 'run-a',
    depth: 0,
    startedAt: '2026-11-27T10:00:00.000Z',
    metadata: {
      rootModel: 'mock:big',
      subModel: 'mock:small',
      environment: 'quickjs',
      maxDepth: 2,
      maxTurns: 30,
      question: 'How many?',
      context: {
        type: 'string',
        totalCharacters: 10,
        approximateTokens: 3,
        parts: 1,
        partSizes: [10],
        head: '0123456789',
        tail: '',
      },
      initialMessages: [
        { role: 'system', content: 'system prompt' },
        { role: 'user', content: 'first user message' },
      ],
    },
    iterations: [
      {
        turn: 1,
        startedAt: '2026-11-27T10:00:00.010Z',
        response: '```javascript\nconst n = await llm_query("count")\n```',
        usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 50 },
        costUsd: 0.001,
        finishReason: 'stop',
        modelDurationMs: 12.5,
        codeBlocks: [
          {
            code: 'const n = await llm_query("count")',
            result: {
              stdout: 'hi\n',
              stderr: '',
              droppedOutputChars: 0,
              durationMs: 3.25,
              value: '7',
              variables: [
                { name: 'n', type: 'string, 1 chars', preview: '"7"' },
                { name: 'rows', type: 'array, 2 items', preview: '[1, 2]' },
              ],
            },
            subCalls: [
              {
                kind: 'llm',
                model: 'mock:small',
                prompt: 'count',
                response: '7',
                startedAt: '2026-11-27T10:00:00.030Z',
                usage: { inputTokens: 2, outputTokens: 1 },
                durationMs: 1.5,
              },
              {
                kind: 'rlm',
                model: 'mock:small',
                prompt: 'sub',
                response: 'child answer',
                durationMs: 4,
                child,
              },
              {
                kind: 'llm',
                model: 'mock:small',
                prompt: 'bad',
                durationMs: 1,
                error: { name: 'ContextWindowExceededError', message: 'too big' },
              },
            ],
          },
        ],
        feedback: 'Output of block 1: ...',
        durationMs: 20.75,
      },
      {
        turn: 2,
        response: '```javascript\nFINAL_VAR("n")\n```',
        usage: { inputTokens: 150, outputTokens: 10 },
        modelDurationMs: 8,
        codeBlocks: [
          {
            code: 'FINAL_VAR("n")',
            result: {
              stdout: '',
              stderr: '',
              droppedOutputChars: 0,
              durationMs: 1,
              final: { source: 'FINAL_VAR', value: '7', variableName: 'n' },
            },
            subCalls: [],
          },
          // A block after the one that called FINAL: recorded, never run, so it has no result.
          { code: 'console.log("never ran")', subCalls: [] },
        ],
        finalAnswer: '7',
        durationMs: 9,
      },
    ],
    answer: '7',
    answerSource: 'FINAL_VAR',
    durationMs: 30,
  };
}

describe('trajectory JSONL', () => {
  it("writes the reference library's layout: a metadata line, then one line per iteration", () => {
    const lines = trajectoryToJsonl(sampleTrajectory())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      type: 'metadata',
      root_model: 'mock:big',
      max_depth: 2,
      max_iterations: 30,
      backend: 'mock',
      environment_type: 'quickjs',
      other_backends: ['mock:small'],
    });
    expect(lines[1]).toMatchObject({
      type: 'iteration',
      iteration: 1,
      final_answer: null,
      iteration_time: 0.02075,
      code_blocks: [
        {
          code: 'const n = await llm_query("count")',
          result: { stdout: 'hi\n', stderr: '', locals: {}, execution_time: 0.00325 },
        },
      ],
    });
    expect(lines[1].prompt).toEqual([
      { role: 'system', content: 'system prompt' },
      { role: 'user', content: 'first user message' },
    ]);
    expect(lines[1].code_blocks[0].result.rlm_calls[0]).toMatchObject({
      root_model: 'mock:small',
      prompt: 'count',
      response: '7',
      execution_time: 0.0015,
      usage_summary: {
        model_usage_summaries: {
          'mock:small': { total_calls: 1, total_input_tokens: 2, total_output_tokens: 1 },
        },
      },
    });
    expect(lines[1].code_blocks[0].result.rlm_calls[2]).toMatchObject({
      error: 'too big',
      error_type: 'ContextWindowExceededError',
    });
    // The second iteration's prompt holds the first reply and its feedback, as the reference logs it.
    expect(lines[2].prompt.map((message: { role: string }) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    expect(lines[2].final_answer).toBe('7');
  });

  it('reads back exactly what it wrote, nested child trajectories included', () => {
    const trajectory = sampleTrajectory();
    expect(parseTrajectoryJsonl(trajectoryToJsonl(trajectory))).toStrictEqual(trajectory);
    expect(parseTrajectoryJsonl(trajectoryToJsonl(trajectory, { includePrompts: false }))).toEqual(
      trajectory,
    );
  });

  it('a block that never ran reads back without a result, and one that ran keeps exactly its own', () => {
    const [, second] = parseTrajectoryJsonl(trajectoryToJsonl(sampleTrajectory())).iterations;
    const [ran, skipped] = second!.codeBlocks;
    expect(skipped).toStrictEqual({ code: 'console.log("never ran")', subCalls: [] });
    expect(Object.keys(skipped!)).not.toContain('result');
    expect(ran!.result).toStrictEqual(sampleTrajectory().iterations[1]!.codeBlocks[0]!.result);
  });

  it('omits prompts on request as an empty list (readers iterate it), but the opening messages once', async () => {
    const opening = sampleTrajectory().metadata.initialMessages;
    const whole = trajectoryToJsonl(sampleTrajectory(), { includePrompts: false });
    // Written as the run goes, the same lines.
    const folder = await mkdtemp(join(tmpdir(), 'rlm-jsonl-no-prompts-'));
    try {
      const path = join(folder, 'run.jsonl');
      const writer = await openTrajectoryJsonlWriter(path, { includePrompts: false });
      writer.start(sampleTrajectory());
      writer.end(sampleTrajectory());
      for (const text of [whole, await readFile(path, 'utf8')]) {
        const iterations = text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line))
          .filter((line) => line.type === 'iteration');
        expect(iterations).toHaveLength(2);
        // The first has the system prompt and the question, where the reference's visualizer looks for it.
        expect(iterations[0].prompt).toStrictEqual(opening);
        expect(iterations[1].prompt).toStrictEqual([]);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('gives each iteration line its own time, or the run start for turns recorded without one', () => {
    const lines = trajectoryToJsonl(sampleTrajectory())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[1].timestamp).toBe('2026-11-27T10:00:00.010Z');
    expect(lines[2].timestamp).toBe('2026-11-27T10:00:00.000Z');
  });

  it("writes a cell's variables as the reference's locals (name to preview), and reads them back", () => {
    const text = trajectoryToJsonl(sampleTrajectory());
    const first = JSON.parse(text.split('\n')[1]!);
    expect(first.code_blocks[0].result.locals).toStrictEqual({ n: '"7"', rows: '[1, 2]' });
    const second = JSON.parse(text.split('\n')[2]!);
    // A cell that listed no variables has an empty object, never a missing one.
    for (const block of second.code_blocks) if (block.result) expect(block.result.locals).toStrictEqual({});
    expect(parseTrajectoryJsonl(text).iterations[0]!.codeBlocks[0]!.result!.variables).toStrictEqual(
      sampleTrajectory().iterations[0]!.codeBlocks[0]!.result!.variables,
    );
  });

  it('writes and reads files', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'rlm-trajectory-'));
    try {
      const path = join(folder, 'run.jsonl');
      await writeTrajectoryJsonl(path, sampleTrajectory());
      expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(4);
      expect(await readTrajectoryJsonl(path)).toEqual(sampleTrajectory());
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('rejects malformed input with the line number', () => {
    const text = trajectoryToJsonl(sampleTrajectory());
    const broken = text.split('\n');
    broken[1] = '{not json';
    expect(() => parseTrajectoryJsonl(broken.join('\n'))).toThrow(/line 2 is not JSON/);
    expect(() => parseTrajectoryJsonl('{"type":"metadata","root_model":"x"}')).toThrow(
      /not an @rlm\/core trajectory/,
    );
  });
});

describe('trajectory JSONL in detail (issue 10)', () => {
  const linesOf = (trajectory: Trajectory) =>
    trajectoryToJsonl(trajectory)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));

  it('names the model after the provider (colons kept), and no other backend when the sub-model is the root', () => {
    const trajectory = sampleTrajectory();
    const sameModels = {
      ...trajectory,
      metadata: { ...trajectory.metadata, rootModel: 'vllm:org/model:7b', subModel: 'vllm:org/model:7b' },
    };
    const [head] = linesOf(sameModels);
    expect(head.backend).toBe('vllm');
    expect(head.backend_kwargs).toEqual({ model_name: 'org/model:7b' });
    expect(head.other_backends).toBeNull();
    expect(head.environment_kwargs).toEqual({});
    expect(head.rlm_ts_version).toBe(1);
  });

  it('a turn without feedback adds only the reply to the next prompt', () => {
    const trajectory = sampleTrajectory();
    delete trajectory.iterations[0]!.feedback;
    const lines = linesOf(trajectory);
    expect(lines[2].prompt.map((message: { role: string }) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
    ]);
  });

  it('a block that never ran is written with empty output and a null cell; a sub-call without usage with zeros', () => {
    const lines = linesOf(sampleTrajectory());
    const skipped = lines[2].code_blocks[1].result;
    expect(skipped).toEqual({
      stdout: '',
      stderr: '',
      locals: {},
      execution_time: 0,
      rlm_calls: [],
      rlm_ts_cell: null,
    });
    const failed = lines[1].code_blocks[0].result.rlm_calls[2];
    expect(failed).toMatchObject({
      response: '',
      rlm_ts_no_response: true,
      prompt_tokens: 0,
      completion_tokens: 0,
    });
    expect(failed.usage_summary.model_usage_summaries['mock:small']).toEqual({
      total_calls: 1,
      total_input_tokens: 0,
      total_output_tokens: 0,
    });
    const answered = lines[1].code_blocks[0].result.rlm_calls[0];
    expect(answered).toMatchObject({ prompt_tokens: 2, completion_tokens: 1 });
    expect('rlm_ts_no_response' in answered).toBe(false);
  });

  it('reads files with blank lines between records (and CRLF endings) the same', () => {
    const text = trajectoryToJsonl(sampleTrajectory()).split('\n').join('\n  \n');
    expect(parseTrajectoryJsonl(text)).toStrictEqual(sampleTrajectory());
    expect(
      parseTrajectoryJsonl(trajectoryToJsonl(sampleTrajectory()).replaceAll('\n', '\r\n')),
    ).toStrictEqual(sampleTrajectory());
  });

  it('rejects each kind of wrong first line, and a later line that is not an iteration, saying which', () => {
    const head = JSON.parse(trajectoryToJsonl(sampleTrajectory()).split('\n')[0]!);
    const wrongHeads = [
      '',
      JSON.stringify({ ...head, type: 'iteration' }),
      JSON.stringify({ ...head, rlm_ts_metadata: 'text' }),
      JSON.stringify({ ...head, run: 'text' }),
    ];
    for (const text of wrongHeads) {
      const error = (() => {
        try {
          parseTrajectoryJsonl(text);
        } catch (thrown) {
          return thrown as InvalidArgumentError;
        }
      })();
      expect(InvalidArgumentError.isInstance(error), text.slice(0, 40)).toBe(true);
      expect(error!.argument).toBe('text');
      expect(error!.message).toBe(
        'The first line is not an @rlm/core trajectory metadata line (type "metadata" with "run" and "rlm_ts_metadata"). Logs of other libraries cannot be read back.',
      );
    }
    const lines = trajectoryToJsonl(sampleTrajectory()).trimEnd().split('\n');
    lines[2] = JSON.stringify({ type: 'note' });
    const error = (() => {
      try {
        parseTrajectoryJsonl(lines.join('\n'));
      } catch (thrown) {
        return thrown as InvalidArgumentError;
      }
    })();
    expect(error?.argument).toBe('text');
    expect(error?.message).toBe('Trajectory line 3 is not an iteration line.');
  });

  it('writes files as UTF-8', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'rlm-trajectory-'));
    try {
      const path = join(folder, 'run.jsonl');
      const sample = sampleTrajectory();
      const trajectory = { ...sample, metadata: { ...sample.metadata, question: 'Ünïcödé ✓ 🚀' } };
      await writeTrajectoryJsonl(path, trajectory);
      expect((await readFile(path)).includes(Buffer.from('Ünïcödé ✓ 🚀', 'utf8'))).toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

/** What a line records: its type, or for a metadata line holding a record of ours, that record. */
function lineKind(line: string): string {
  const record = JSON.parse(line);
  return record.rlm_ts_model_call ? 'model call' : record.rlm_ts_end ? 'end' : record.type;
}

describe('resumable trajectories (issue 14)', () => {
  const call = (text: string) => ({
    hash: 'a'.repeat(64),
    provider: 'mock',
    modelId: 'big',
    text,
    usage: { inputTokens: 3, outputTokens: 1 },
    costUsd: 0.5,
    finishReason: 'stop' as const,
  });
  const resumable = (): Trajectory => {
    const trajectory = sampleTrajectory();
    return {
      ...trajectory,
      metadata: { ...trajectory.metadata, contextSha256: 'c'.repeat(64), language: 'javascript' },
      modelCalls: [call('one'), call('two')],
    };
  };

  it('writes each recorded model call as a line of its own after the iterations, and reads them back in order', () => {
    const text = trajectoryToJsonl(resumable());
    const types = text.trimEnd().split('\n').map(lineKind);
    expect(types.slice(-2)).toEqual(['model call', 'model call']);
    expect(parseTrajectoryJsonl(text)).toEqual(resumable());
    // A resumable file whose run had no answered call yet has an empty list; an older file, none.
    const empty = { ...resumable(), modelCalls: [] };
    expect(parseTrajectoryJsonl(trajectoryToJsonl(empty)).modelCalls).toEqual([]);
    expect(parseTrajectoryJsonl(trajectoryToJsonl(sampleTrajectory())).modelCalls).toBeUndefined();
  });

  it('leaves out a last line cut off before its newline; a broken line before the end is still an error', () => {
    const text = trajectoryToJsonl(resumable());
    const cut = `${text}${JSON.stringify(call('three')).slice(0, 30)}`;
    expect(parseTrajectoryJsonl(cut)).toEqual(resumable());
    expect(() => parseTrajectoryJsonl(`${cut}\n`)).toThrow(/line 6 is not JSON/);
  });

  it('the writer writes the metadata at the start, each call and turn as it comes, the closing line at the end', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'rlm-jsonl-writer-'));
    try {
      const path = join(folder, 'run.jsonl');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, 'the earlier file\n');
      const writer = await openTrajectoryJsonlWriter(path);
      // Nothing is replaced before the run starts.
      expect(await readFile(path, 'utf8')).toBe('the earlier file\n');
      const whole = resumable();
      // The opening: what start receives (only the run's identity and metadata are written from it).
      const opening: Trajectory = { ...whole, iterations: [], modelCalls: [call('one')] };
      writer.start(opening);
      writer.modelCall(call('two'));
      writer.iteration(whole.iterations[0]!);
      const types = (await readFile(path, 'utf8')).trimEnd().split('\n').map(lineKind);
      expect(types).toEqual(['metadata', 'model call', 'model call', 'iteration']);
      writer.end(whole);
      expect(writer.failure).toBeUndefined();
      const read = parseTrajectoryJsonl(await readFile(path, 'utf8'));
      expect(read).toEqual(whole);
      // The same trajectory as the whole-file writer's, line order aside.
      expect(read).toEqual(parseTrajectoryJsonl(trajectoryToJsonl(whole)));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a writer that cannot write keeps its error and stops; it never throws into the run', async () => {
    const writer = await openTrajectoryJsonlWriter('/nonexistent-folder-rlm/run.jsonl');
    expect(() => writer.start(resumable())).not.toThrow();
    expect(writer.failure?.message).toMatch(/ENOENT/);
    expect(() => writer.modelCall(call('x'))).not.toThrow();
    expect(() => writer.end(resumable())).not.toThrow();
  });
});

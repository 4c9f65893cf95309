import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrajectoryJsonlWriter, type Trajectory, trajectoryToJsonl } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { NotATrajectoryError, readTrajectoryText } from './read-trajectory';
import { timeProfile } from './time-profile';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');

function trajectory(overrides: Partial<Trajectory> = {}): Trajectory {
  return {
    version: 1,
    runId: 'r',
    depth: 0,
    startedAt: '2026-11-30T10:00:00.000Z',
    metadata: {
      rootModel: 'mock:root',
      subModel: 'mock:sub',
      environment: 'quickjs',
      maxDepth: 1,
      maxTurns: 30,
      question: 'How many?',
      context: {
        type: 'string',
        totalCharacters: 1,
        approximateTokens: 1,
        parts: 1,
        partSizes: [1],
        head: 'x',
        tail: '',
      },
      initialMessages: [],
    },
    iterations: [
      {
        turn: 1,
        startedAt: '2026-11-30T10:00:00.000Z',
        response: 'code',
        usage: { inputTokens: 10, outputTokens: 2 },
        modelDurationMs: 1_000,
        durationMs: 3_000,
        codeBlocks: [
          {
            code: 'await Promise.all([llm_query("a"), llm_query("b")])',
            result: { stdout: '', stderr: '', droppedOutputChars: 0, durationMs: 2_000 },
            subCalls: ['a', 'b', 'c'].map((prompt, index) => ({
              kind: 'llm' as const,
              model: 'mock:sub',
              prompt,
              response: prompt.toUpperCase(),
              durationMs: 1_000,
              startedAt: new Date(Date.parse('2026-11-30T10:00:01.000Z') + index * 500).toISOString(),
            })),
          },
        ],
      },
    ],
    answer: '3',
    answerSource: 'FINAL',
    durationMs: 3_000,
    ...overrides,
  };
}

describe('reading trajectories', () => {
  it('reads a reference library log: question from its prompt, tokens from usage summaries, final answer', () => {
    const model = readTrajectoryText(readFileSync(join(fixtures, 'reference-log.jsonl'), 'utf8'));
    expect(model.source).toBe('reference');
    expect(model.root.question.text).toBe('Which city has the most sensor alerts?');
    expect(model.root.status).toBe('answered');
    expect(model.totals).toMatchObject({ turns: 3, subCalls: 4, failedSubCalls: 1 });
    expect(model.totals.usage.input).toBe(4012 + 4003 + 3990 + 310);
  });

  it('calls a file of ours without a closing line unfinished, and one cut mid-line readable with a warning', () => {
    const whole = trajectoryToJsonl(trajectory());
    expect(readTrajectoryText(whole).root.status).toBe('answered');
    const lines = whole.split('\n');
    const cut = `${lines[0]}\n${(lines[1] ?? '').slice(0, 40)}`;
    const model = readTrajectoryText(cut);
    expect(model.root.turns).toHaveLength(0);
    expect(model.warnings[0]).toContain('cut off');
  });

  it('reads a file written as the run went: model calls and the closing fields ride in metadata lines (older files: lines of their own)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rlm-viewer-streamed-'));
    try {
      const path = join(folder, 'run.jsonl');
      const failed = trajectory({
        answer: undefined,
        answerSource: undefined,
        error: { name: 'APICallError', message: '503 from the provider' },
      });
      const call = {
        hash: 'h',
        provider: 'mock',
        modelId: 'root',
        text: 'code',
        usage: { inputTokens: 1, outputTokens: 1 },
      };
      const writer = await openTrajectoryJsonlWriter(path);
      writer.start({ ...failed, iterations: [], modelCalls: [] });
      writer.modelCall(call);
      writer.iteration(failed.iterations[0]!);
      writer.end(failed);
      const streamed = readFileSync(path, 'utf8');
      // The layout of earlier versions: the same records as lines of types of their own.
      const older = streamed
        .trimEnd()
        .split('\n')
        .map((text) => {
          const line = JSON.parse(text);
          if (line.rlm_ts_model_call)
            return JSON.stringify({ type: 'rlm_ts_model_call', ...line.rlm_ts_model_call });
          if (line.rlm_ts_end) return JSON.stringify({ type: 'rlm_ts_end', run: line.rlm_ts_end });
          return text;
        })
        .join('\n');
      expect(older).toContain('"type":"rlm_ts_end"');
      for (const text of [streamed, older]) {
        const model = readTrajectoryText(text);
        expect(model.warnings).toEqual([]);
        expect(model.root.status).toBe(readTrajectoryText(trajectoryToJsonl(failed)).root.status);
        expect(model.root.status).not.toBe('answered');
        expect(model.root.turns).toHaveLength(1);
        expect(model.root.rootModel).toBe('mock:root');
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses what is not a trajectory, saying what one looks like', () => {
    for (const text of ['hello\n', '{"a":1}\n', '[1,2]\n', '']) {
      expect(() => readTrajectoryText(text)).toThrow(NotATrajectoryError);
    }
  });

  it('counts sub-calls in flight over time from their start times', () => {
    const profile = timeProfile(readTrajectoryText(trajectoryToJsonl(trajectory())));
    // a: 1.0–2.0 s, b: 1.5–2.5 s, c: 2.0–3.0 s (c starts as a ends): never more than 2 at once.
    expect(profile.peak).toBe(2);
    expect(profile.steps.map((step) => [step.at, step.count])).toStrictEqual([
      [0, 0],
      [1_000, 1],
      [1_500, 2],
      [2_000, 2],
      [2_500, 1],
      [3_000, 0],
    ]);
    expect(profile.breakdown).toMatchObject({ model: 1_000, subCalls: 2_000, sandbox: 0, total: 3_000 });
  });
});

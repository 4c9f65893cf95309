import { describe, expect, it } from 'vitest';
import type { Trajectory } from './trajectory';
import { parseTrajectoryJsonl, trajectoryToJsonl } from './trajectory-jsonl';

const PROMPT = `Classify this chunk:\n${'x'.repeat(10_000)}`;

function trajectoryWithSubCalls(): Trajectory {
  return {
    version: 1,
    runId: 'run-1',
    depth: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    metadata: {
      rootModel: 'mock:root',
      subModel: 'mock:sub',
      environment: 'quickjs',
      maxDepth: 1,
      maxTurns: 30,
      question: 'q',
      context: {
        type: 'string',
        totalCharacters: 1,
        approximateTokens: 1,
        parts: 1,
        partSizes: [1],
        head: 'c',
        tail: 'c',
      },
      initialMessages: [],
    },
    iterations: [
      {
        turn: 1,
        response: 'r',
        usage: { inputTokens: 1, outputTokens: 1 },
        modelDurationMs: 1,
        codeBlocks: [
          {
            code: 'await llm_query_batched(prompts)',
            subCalls: [
              { kind: 'llm', model: 'mock:sub', prompt: PROMPT, response: 'ok', durationMs: 2 },
              { kind: 'llm', model: 'mock:sub', prompt: 'empty answer', response: '', durationMs: 2 },
              {
                kind: 'llm',
                model: 'mock:sub',
                prompt: 'failed',
                durationMs: 2,
                error: { name: 'APICallError', message: '503' },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('trajectory JSONL stores each sub-call prompt and response once (issue 13)', () => {
  it('writes the prompt once, in the reference field, and reads it back exactly', () => {
    const text = trajectoryToJsonl(trajectoryWithSubCalls(), { includePrompts: false });
    expect(text.split('Classify this chunk:').length - 1).toBe(1);
    expect(text.length).toBeLessThan(PROMPT.length + 3_000);
    const calls = JSON.parse(text.split('\n')[1]!).code_blocks[0].result.rlm_calls;
    expect(calls[0].prompt).toBe(PROMPT);
    expect(calls[0].rlm_ts_call.prompt).toBeUndefined();
    expect(calls[0].rlm_ts_call.response).toBeUndefined();
    expect(parseTrajectoryJsonl(text)).toEqual(trajectoryWithSubCalls());
  });

  it('tells an empty response from a failed call that had none', () => {
    const read = parseTrajectoryJsonl(trajectoryToJsonl(trajectoryWithSubCalls()));
    const [, empty, failed] = read.iterations[0]!.codeBlocks[0]!.subCalls;
    expect(empty!.response).toBe('');
    expect('response' in failed!).toBe(false);
  });

  it('still reads files written before, which kept the prompt in rlm_ts_call too', () => {
    const text = trajectoryToJsonl(trajectoryWithSubCalls());
    const lines = text.trimEnd().split('\n');
    const iteration = JSON.parse(lines[1]!);
    const original = trajectoryWithSubCalls().iterations[0]!.codeBlocks[0]!.subCalls;
    iteration.code_blocks[0].result.rlm_calls = original.map((call) => ({
      root_model: call.model,
      prompt: call.prompt,
      response: call.response ?? '',
      rlm_ts_call: call,
    }));
    lines[1] = JSON.stringify(iteration);
    expect(parseTrajectoryJsonl(`${lines.join('\n')}\n`)).toEqual(trajectoryWithSubCalls());
  });
});

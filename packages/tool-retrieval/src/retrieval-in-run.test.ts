import { createRLM, LimitExceededError, type ReplEnvironment } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createOpenAI } from '@rlm/openai';
import { startTestServer } from '@rlm/test-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createRetrievalTool } from './index';

const server = await startTestServer();
afterAll(() => server.close());
const embeddingModel = createOpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL }).embedding(
  'text-embedding-3-small',
);

/** Runs no code: a cell that mentions retrieve( calls the tool once with a fixed query; FINAL( answers with its result. */
const scriptedEnvironment: ReplEnvironment = {
  specificationVersion: 'v1',
  environmentId: 'scripted',
  language: 'javascript',
  async createSession({ hostFunctions }) {
    let last = '';
    return {
      async runCell(code) {
        const signal = new AbortController().signal;
        if (code.includes('retrieve(')) {
          const hits = (await hostFunctions.retrieve!([{ query: 'lighthouse pier', k: 1 }], { signal })) as {
            text: string;
          }[];
          last = hits[0]!.text;
        }
        return {
          stdout: '',
          stderr: '',
          droppedOutputChars: 0,
          durationMs: 0,
          ...(code.startsWith('FINAL(') ? { final: { source: 'FINAL' as const, value: last } } : {}),
        };
      },
      async dispose() {},
    };
  },
};

const fence = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``;
const context = Array.from({ length: 2_000 }, (_, index) =>
  index === 1_234
    ? 'We meet at the lighthouse on the north pier.'
    : `Line ${index} about invoices and parking.`,
).join('\n');

describe('retrieve inside a run', () => {
  it("counts the index build's and the query's embedding calls in the run's usage and cost", async () => {
    const before = server.requests.length;
    const result = await createRLM({
      model: new MockLanguageModel({ responses: [fence('await retrieve()'), fence('FINAL(1)')] }),
      environment: scriptedEnvironment,
      tools: [createRetrievalTool({ embeddingModel, cacheDirectory: false, batchTokens: 2_000 })],
    }).completion('Where do we meet?', { context });
    expect(result.answer).toContain('lighthouse on the north pier');
    const calls = server.requests.length - before;
    const usage = result.usage.byModel['openai:text-embedding-3-small']!;
    expect(usage.calls).toBe(calls);
    expect(calls).toBeGreaterThan(5);
    expect(usage.costUsd).toBeCloseTo((usage.inputTokens * 0.02) / 1e6, 12);
  });

  it('stops the index build once limits.maxTokens is spent: the run fails with that limit', async () => {
    const failure = await createRLM({
      model: new MockLanguageModel({ responses: [fence('await retrieve()'), fence('FINAL(1)')] }),
      environment: scriptedEnvironment,
      tools: [
        createRetrievalTool({ embeddingModel, cacheDirectory: false, batchTokens: 2_000, concurrency: 1 }),
      ],
    })
      .completion('Where do we meet?', { context, limits: { maxTokens: 6_000 } })
      .catch((error: unknown) => error);
    expect(LimitExceededError.isInstance(failure)).toBe(true);
    expect((failure as LimitExceededError).limit).toBe('maxTokens');
  });
});

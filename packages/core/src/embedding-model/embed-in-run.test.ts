import { describe, expect, it } from 'vitest';
import type { ReplEnvironment } from '../environment/repl-environment';
import { LimitExceededError } from '../errors/limit-exceeded-error';
import { UnsupportedSpecificationError } from '../errors/unsupported-specification-error';
import { createRLM } from '../loop/create-rlm';
import { MockLanguageModel } from '../testing/mock-language-model';
import type { Tool } from '../tool/tool';
import { checkEmbeddingModel } from './check-embedding-model';
import type { EmbeddingModel } from './embedding-model';

/** A cell that mentions `lookup(` calls the tool once; a cell that starts with FINAL( answers 'done'. */
const scriptedEnvironment: ReplEnvironment = {
  specificationVersion: 'v1',
  environmentId: 'scripted',
  language: 'javascript',
  async createSession({ hostFunctions }) {
    return {
      async runCell(code) {
        const signal = new AbortController().signal;
        let stderr = '';
        if (code.includes('lookup(')) {
          await hostFunctions.lookup!([{}], { signal }).catch((error: Error) => {
            stderr = error.message;
          });
        }
        return {
          stdout: '',
          stderr,
          droppedOutputChars: 0,
          durationMs: 0,
          ...(code.startsWith('FINAL(') ? { final: { source: 'FINAL' as const, value: 'done' } } : {}),
        };
      },
      async dispose() {},
    };
  },
};

/** An embedding model that reads 100 tokens per value at $1 per million tokens, counting its calls in flight. */
function countingModel(): EmbeddingModel & { inFlight: number; mostInFlight: number } {
  const model = {
    specificationVersion: 'v1' as const,
    provider: 'test',
    modelId: 'embed-1',
    maxValuesPerCall: 8,
    inFlight: 0,
    mostInFlight: 0,
    async doEmbed({ values }: { values: readonly string[] }) {
      model.inFlight++;
      model.mostInFlight = Math.max(model.mostInFlight, model.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      model.inFlight--;
      const inputTokens = values.length * 100;
      return { embeddings: values.map(() => [1, 0]), usage: { inputTokens }, costUsd: inputTokens / 1e6 };
    },
  };
  return model;
}

/** A tool that embeds `calls` lists of two values at once through the run. */
function embeddingTool(model: EmbeddingModel, calls: number): Tool {
  return {
    name: 'lookup',
    description: 'Embeds two values per call through the run, for the test.',
    parameters: { type: 'object', properties: {} },
    async execute(_parameters, options) {
      const results = await Promise.all(
        Array.from({ length: calls }, () => options.embed!(model, ['a', 'b'])),
      );
      return results.length;
    },
  };
}

const fence = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``;

describe('ToolExecuteOptions.embed', () => {
  it("counts a tool's embedding calls in the run's usage and cost, under provider:modelId", async () => {
    const model = countingModel();
    const result = await createRLM({
      model: new MockLanguageModel({ responses: [fence('await lookup({})'), fence('FINAL(1)')] }),
      environment: scriptedEnvironment,
      tools: [embeddingTool(model, 3)],
    }).completion('q', { context: 'c' });
    expect(result.usage.byModel['test:embed-1']).toMatchObject({
      calls: 3,
      inputTokens: 600,
      outputTokens: 0,
      callsWithUnknownCost: 0,
    });
    expect(result.usage.byModel['test:embed-1']!.costUsd).toBeCloseTo(0.0006, 10);
    expect(result.usage.total.inputTokens).toBeGreaterThanOrEqual(600);
  });

  it("holds the embedding calls to the run's concurrency cap", async () => {
    const model = countingModel();
    await createRLM({
      model: new MockLanguageModel({ responses: [fence('await lookup({})'), fence('FINAL(1)')] }),
      environment: scriptedEnvironment,
      tools: [embeddingTool(model, 12)],
      maxConcurrency: 2,
    }).completion('q', { context: 'c' });
    expect(model.mostInFlight).toBe(2);
  });

  it('refuses embedding calls once limits.maxTokens is spent, and the run fails with that limit', async () => {
    const model = countingModel();
    const failure = await createRLM({
      model: new MockLanguageModel({
        responses: [fence('await lookup({})'), fence('await lookup({})'), fence('FINAL(1)')],
      }),
      environment: scriptedEnvironment,
      tools: [embeddingTool(model, 1)],
    })
      .completion('q', { context: 'c', limits: { maxTokens: 150 } })
      .catch((error: unknown) => error);
    expect(LimitExceededError.isInstance(failure)).toBe(true);
    expect((failure as LimitExceededError).limit).toBe('maxTokens');
  });
});

describe('checkEmbeddingModel', () => {
  it('accepts a v1 model and refuses other versions and non-models with a clear message', () => {
    const model = countingModel();
    expect(checkEmbeddingModel(model)).toBe(model);
    expect(() => checkEmbeddingModel({ ...model, specificationVersion: 'v9' })).toThrow(
      UnsupportedSpecificationError,
    );
    expect(() => checkEmbeddingModel('text-embedding-3-small')).toThrow(/must be an EmbeddingModel/);
    expect(() => checkEmbeddingModel({ ...model, maxValuesPerCall: 0 })).toThrow(/maxValuesPerCall/);
  });
});

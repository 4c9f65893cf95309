import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddingModel } from './embedding-model';

/** How the suite gets an embedding model under test. */
export interface EmbeddingModelConformanceSetup {
  /** Returns the model under test, wired to a server that answers (e.g. `@rlm/test-server`). */
  createModel(): EmbeddingModel | Promise<EmbeddingModel>;
  /**
   * Returns a model whose calls take at least a second before any answer (a server with latency),
   * for the in-flight abort check; leave it out to skip that check.
   */
  createSlowModel?(): EmbeddingModel | Promise<EmbeddingModel>;
  /** Runs after each test (stop the server, …). */
  cleanup?(): void | Promise<void>;
  /** Milliseconds from an abort to the rejection of a call in flight. Default 1 000. */
  readonly abortMs?: number;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return dot / Math.sqrt(normA * normB);
}

/**
 * The conformance suite every `EmbeddingModel` runs, ours and outside authors'. Call it at the top
 * level of a test file: `testEmbeddingModel('openai', { createModel: () => … })`. It checks what
 * tools rely on: the v1 declaration, one finite vector per value in order and of one length, the same
 * text giving the same direction, usage and cost reported, and aborts honoured with the signal's reason.
 */
export function testEmbeddingModel(name: string, setup: EmbeddingModelConformanceSetup): void {
  describe(`EmbeddingModel conformance: ${name}`, () => {
    afterEach(async () => {
      await setup.cleanup?.();
    });

    it('declares the v1 contract, its provider, model id and values per call', async () => {
      const model = await setup.createModel();
      expect(model.specificationVersion).toBe('v1');
      expect(typeof model.provider === 'string' && model.provider.length > 0).toBe(true);
      expect(typeof model.modelId === 'string' && model.modelId.length > 0).toBe(true);
      expect(Number.isInteger(model.maxValuesPerCall) && model.maxValuesPerCall >= 1).toBe(true);
      if (model.dimensions !== undefined)
        expect(Number.isInteger(model.dimensions) && model.dimensions >= 1).toBe(true);
      expect(typeof model.doEmbed).toBe('function');
    });

    it('returns one finite vector per value, in order, all of one length; the same text, the same direction', async () => {
      const model = await setup.createModel();
      const values = [
        'the refund policy',
        'Zürich — 東京 🚀\nline two',
        'a volcano erupted',
        'the refund policy',
      ];
      const result = await model.doEmbed({ values });
      expect(result.embeddings).toHaveLength(values.length);
      const length = result.embeddings[0]!.length;
      expect(length).toBeGreaterThan(0);
      if (model.dimensions !== undefined) expect(length).toBe(model.dimensions);
      for (const vector of result.embeddings) {
        expect(vector.length).toBe(length);
        expect(Array.from(vector).every(Number.isFinite)).toBe(true);
      }
      expect(cosine(result.embeddings[0]!, result.embeddings[3]!)).toBeGreaterThan(0.99);
      // Order: the lone value embedded alone points where it did in the list.
      const alone = await model.doEmbed({ values: [values[2]!] });
      expect(cosine(alone.embeddings[0]!, result.embeddings[2]!)).toBeGreaterThan(0.99);
    });

    it('reports the input tokens it read, and a cost that is absent or a finite amount', async () => {
      const model = await setup.createModel();
      const result = await model.doEmbed({ values: ['one value of a few words', 'another'] });
      expect(Number.isInteger(result.usage.inputTokens) && result.usage.inputTokens > 0).toBe(true);
      if (result.costUsd !== undefined)
        expect(Number.isFinite(result.costUsd) && result.costUsd >= 0).toBe(true);
    });

    it("rejects with the signal's reason when it is already aborted", async () => {
      const model = await setup.createModel();
      const reason = new Error('run cancelled');
      await expect(model.doEmbed({ values: ['a'], abortSignal: AbortSignal.abort(reason) })).rejects.toBe(
        reason,
      );
    });

    it.skipIf(setup.createSlowModel === undefined)(
      "rejects promptly with the signal's reason when aborted in flight",
      async () => {
        const model = await setup.createSlowModel!();
        const controller = new AbortController();
        const reason = new Error('run cancelled');
        const call = model.doEmbed({ values: ['a'], abortSignal: controller.signal });
        setTimeout(() => controller.abort(reason), 20);
        const started = performance.now();
        await expect(call).rejects.toBe(reason);
        expect(performance.now() - started).toBeLessThan((setup.abortMs ?? 1_000) + 20);
      },
    );
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, LanguageModel } from '../language-model/language-model';

/** A request as the server behind the model under test received it, normalised to chat messages. */
export interface ConformanceRequest {
  readonly messages: readonly ChatMessage[];
  readonly maxOutputTokens?: number;
}

/** What the server must answer, in the provider's own wire format. */
export interface ConformanceReply {
  readonly text: string;
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly cachedInputTokens?: number;
  };
  /** Wait this long before answering, in milliseconds (for the abort tests). */
  readonly delayMs?: number;
}

/** How the suite gets a model under test. */
export interface LanguageModelConformanceSetup {
  /**
   * Returns the model under test, wired so that every request it sends is answered by `respond`,
   * typically through a local HTTP server speaking the provider's protocol.
   */
  createModel(
    respond: (request: ConformanceRequest) => ConformanceReply,
  ): LanguageModel | Promise<LanguageModel>;
  /** Runs after each test (stop the server, …). */
  cleanup?(): void | Promise<void>;
  /** Skip checks the provider cannot pass. */
  readonly capabilities?: {
    /** The provider reports cached input tokens. Default true. */
    readonly cachedInputTokens?: boolean;
    /**
     * The provider reports the usage the far end scripted (`ConformanceReply.usage`). Default true.
     * A local model counts its own tokens: with `false` the suite checks that usage is counted
     * (whole numbers, input and output above zero) instead of equal to the script.
     */
    readonly scriptedUsage?: boolean;
    /**
     * The largest prompt the round-trip check sends, in characters. Default 1,000,000. A local
     * model's window bounds it (the loop refuses bigger prompts before sending them).
     */
    readonly largePromptCharacters?: number;
  };
}

/**
 * The conformance suite every `LanguageModel` runs, ours and outside authors'. Call it at the top
 * level of a test file: `testLanguageModel('openai', { createModel: (respond) => … })`.
 */
export function testLanguageModel(name: string, setup: LanguageModelConformanceSetup): void {
  const capabilities = {
    cachedInputTokens: true,
    scriptedUsage: true,
    largePromptCharacters: 1_000_000,
    ...setup.capabilities,
  };

  describe(`LanguageModel conformance: ${name}`, () => {
    afterEach(async () => {
      await setup.cleanup?.();
    });

    it('declares the v1 contract, its provider, model id and context window', async () => {
      const model = await setup.createModel(() => ({
        text: 'ok',
        usage: { inputTokens: 1, outputTokens: 1 },
      }));
      expect(model.specificationVersion).toBe('v1');
      expect(typeof model.provider).toBe('string');
      expect(model.provider.length).toBeGreaterThan(0);
      expect(typeof model.modelId).toBe('string');
      expect(model.modelId.length).toBeGreaterThan(0);
      expect(Number.isInteger(model.contextWindow)).toBe(true);
      expect(model.contextWindow).toBeGreaterThan(0);
    });

    it('returns the text exactly, unicode and newlines included', async () => {
      const text = 'Zürich — 東京 🚀\nline two\n\n  indented';
      const model = await setup.createModel(() => ({ text, usage: { inputTokens: 3, outputTokens: 7 } }));
      const result = await model.doGenerate({ messages: [{ role: 'user', content: 'say it' }] });
      expect(result.text).toBe(text);
    });

    it('returns an empty reply as an empty string', async () => {
      const model = await setup.createModel(() => ({ text: '', usage: { inputTokens: 3, outputTokens: 0 } }));
      const result = await model.doGenerate({ messages: [{ role: 'user', content: 'say nothing' }] });
      expect(result.text).toBe('');
    });

    it('sends every message in order with its role', async () => {
      const seen: ConformanceRequest[] = [];
      const model = await setup.createModel((request) => {
        seen.push(request);
        return { text: 'done', usage: { inputTokens: 10, outputTokens: 1 } };
      });
      const messages: ChatMessage[] = [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ];
      await model.doGenerate({ messages });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.messages.map((message) => [message.role, message.content])).toEqual(
        messages.map((message) => [message.role, message.content]),
      );
    });

    it('reports usage as the server counted it', async () => {
      const model = await setup.createModel(() => ({
        text: 'counted',
        usage: {
          inputTokens: 1234,
          outputTokens: 56,
          ...(capabilities.cachedInputTokens ? { cachedInputTokens: 1000 } : {}),
        },
      }));
      const result = await model.doGenerate({ messages: [{ role: 'user', content: 'count' }] });
      if (!capabilities.scriptedUsage) {
        for (const count of [result.usage.inputTokens, result.usage.outputTokens]) {
          expect(Number.isInteger(count)).toBe(true);
          expect(count).toBeGreaterThan(0);
        }
        return;
      }
      expect(result.usage.inputTokens).toBe(1234);
      expect(result.usage.outputTokens).toBe(56);
      if (capabilities.cachedInputTokens) expect(result.usage.cachedInputTokens).toBe(1000);
    });

    it('passes maxOutputTokens to the server', async () => {
      const seen: ConformanceRequest[] = [];
      const model = await setup.createModel((request) => {
        seen.push(request);
        return { text: 'short', usage: { inputTokens: 2, outputTokens: 1 } };
      });
      await model.doGenerate({ messages: [{ role: 'user', content: 'be brief' }], maxOutputTokens: 77 });
      expect(seen[0]!.maxOutputTokens).toBe(77);
    });

    it(`round-trips a ${capabilities.largePromptCharacters.toLocaleString('en')}-character prompt`, async () => {
      const big = 'abcdefghij'.repeat(Math.ceil(capabilities.largePromptCharacters / 10));
      let received = 0;
      const model = await setup.createModel((request) => {
        received = request.messages.reduce((sum, message) => sum + message.content.length, 0);
        return { text: String(received), usage: { inputTokens: 250_000, outputTokens: 2 } };
      });
      const result = await model.doGenerate({ messages: [{ role: 'user', content: big }] });
      expect(received).toBe(big.length);
      expect(result.text).toBe(String(big.length));
    });

    it('keeps 16 concurrent calls apart', async () => {
      const model = await setup.createModel((request) => {
        const last = request.messages.at(-1)?.content ?? '';
        return { text: `echo:${last}`, usage: { inputTokens: 5, outputTokens: 5 }, delayMs: 20 };
      });
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, index) =>
          model.doGenerate({ messages: [{ role: 'user', content: `call ${index}` }] }),
        ),
      );
      expect(results.map((result) => result.text)).toEqual(
        Array.from({ length: 16 }, (_, index) => `echo:call ${index}`),
      );
    });

    it('does not send anything when the signal is already aborted', async () => {
      let calls = 0;
      const model = await setup.createModel(() => {
        calls++;
        return { text: 'should not be sent', usage: { inputTokens: 1, outputTokens: 1 } };
      });
      const controller = new AbortController();
      controller.abort(new Error('stop before start'));
      await expect(
        model.doGenerate({ messages: [{ role: 'user', content: 'x' }], abortSignal: controller.signal }),
      ).rejects.toThrow();
      expect(calls).toBe(0);
    });

    it('stops a call in flight promptly when aborted', async () => {
      const model = await setup.createModel(() => ({
        text: 'late',
        usage: { inputTokens: 1, outputTokens: 1 },
        delayMs: 5_000,
      }));
      const controller = new AbortController();
      const started = performance.now();
      const pending = model.doGenerate({
        messages: [{ role: 'user', content: 'slow' }],
        abortSignal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error('user cancelled')), 50);
      await expect(pending).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  });
}

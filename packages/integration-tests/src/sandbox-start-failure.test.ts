import { createRLM, SandboxError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, it } from 'vitest';

/**
 * A run whose sandbox cannot take the context must fail with the sandbox's error without paying for
 * a root turn: before, the first model call went out and was paid for, and the error came after it.
 */
describe('a context the sandbox cannot hold', () => {
  const environment = createQuickJSEnvironment({ memoryLimitBytes: 32 * 1024 * 1024 });

  it('is refused before the first model call is sent, when the sandbox knows at once', async () => {
    const model = new MockLanguageModel({ responses: ['```js\nFINAL(1)\n```'], latencyMs: 50 });
    const rlm = createRLM({ model, environment });
    const failure = await rlm
      .completion('q', { context: 'x'.repeat(40_000_000) })
      .catch((error: unknown) => error);
    expect(SandboxError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(
      /the context is 40000000 characters, more than memoryLimitBytes/,
    );
    expect(model.calls).toHaveLength(0);
  });

  it('abandons the first model call as soon as the sandbox fails while it is in flight', async () => {
    const model = new MockLanguageModel({ responses: ['```js\nFINAL(1)\n```'], latencyMs: 5_000 });
    const rlm = createRLM({ model, environment });
    const startedAt = performance.now();
    // Fits the pre-check (a byte per character) but not the sandbox once it is built.
    const failure = await rlm
      .completion('q', { context: ['y'.repeat(16_000_000), 'z'.repeat(16_000_000)] })
      .catch((error: unknown) => error);
    expect(SandboxError.isInstance(failure), String(failure)).toBe(true);
    expect((failure as Error).message).not.toMatch(/\.\./);
    expect(performance.now() - startedAt).toBeLessThan(4_000);
  });
});

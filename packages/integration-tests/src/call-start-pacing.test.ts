import { createRLM, type RLMEvent } from '@rlm/core';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { createOpenAI } from '@rlm/openai';
import { startTestServer } from '@rlm/test-server';
import { describe, expect, it } from 'vitest';

/**
 * A batch's sub-calls begin one per macrotask, each as far as its request's write before the next
 * is built. Begun together, they advanced through the SDK's chain of awaits in lockstep: not one
 * request reached the server before every call of the burst had begun, so the first answer, and
 * every slot it frees for the next wave, came back late. Over real HTTP with the OpenAI SDK.
 */
describe('a burst of sub-calls', () => {
  it.each([
    8, 32,
  ])('of %i: the first request reaches the server before the last call of the burst begins', async (count) => {
    const arrivals: number[] = [];
    const server = await startTestServer({
      respond: (request) =>
        request.messages[0]?.role === 'system'
          ? {
              text: `\`\`\`javascript\nconst answers = await llm_query_batched(Array.from({ length: ${count} }, (_, i) => "item " + i));\nFINAL(String(answers.length))\n\`\`\``,
            }
          : { text: 'ok' },
      onRequest: (request) => {
        if (request.messages[0]?.role !== 'system') arrivals.push(performance.now());
      },
      latencyMs: 20,
    });
    const environment = createQuickJSEnvironment();
    try {
      const openai = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' });
      const subCallStarts: number[] = [];
      const result = await createRLM({
        model: openai('gpt-4.1-mini'),
        environment,
        concurrency: 64,
      }).completion('q', {
        context: 'c',
        onEvent: (event: RLMEvent) => {
          if (event.type === 'model-call-start' && event.role === 'sub')
            subCallStarts.push(performance.now());
        },
      });
      expect(result.answer).toBe(String(count));
      expect(subCallStarts).toHaveLength(count);
      expect(arrivals).toHaveLength(count);
      expect(Math.min(...arrivals)).toBeLessThan(Math.max(...subCallStarts));
    } finally {
      await environment.dispose?.();
      await server.close();
    }
  });
});

import { createRLM, type RLMEvent } from '@rlm/core';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { describe, expect, it } from 'vitest';
import { AI_SDK_PROVIDERS, type AISDKProviderName, bridgedModel, serverWith } from './ai-sdk-test-fixture';

function code(source: string): string {
  return `Let me look.\n\`\`\`javascript\n${source}\n\`\`\``;
}

const providers = Object.keys(AI_SDK_PROVIDERS) as AISDKProviderName[];

// A whole RLM run whose root and sub-model are AI SDK models, talking HTTP to the test server.
describe.each(providers)('createRLM with fromAISDK (%s)', (provider) => {
  it('answers from the context, with sub-calls, and counts usage and cost per model', async () => {
    const root = await serverWith(
      {
        text: code(
          'const lines = context.split("\\n");\nconsole.log(lines.length, await llm_query("Sum: " + lines.join(",")));',
        ),
        usage: { inputTokens: 1000, outputTokens: 100 },
      },
      {
        text: code('FINAL("the sum is 6")'),
        usage: { inputTokens: 1200, outputTokens: 20, cachedInputTokens: 1000 },
      },
    );
    const sub = await serverWith({ text: '6', usage: { inputTokens: 30, outputTokens: 1 } });
    const otherProvider = providers.find((name) => name !== provider)!;
    const events: RLMEvent[] = [];
    const rlm = createRLM({
      model: bridgedModel(
        provider,
        root,
        {},
        provider.startsWith('anthropic') ? 'claude-sonnet-4-5' : 'gpt-5',
      ),
      subModel: bridgedModel(otherProvider, sub, {}, 'local-sub'),
      environment: createQuickJSEnvironment(),
    });
    const result = await rlm.completion('What is the sum?', {
      context: '1\n2\n3',
      onEvent: (event) => events.push(event),
    });
    expect(result.answer).toBe('the sum is 6');
    expect(result.turns).toBe(2);
    // The root model saw the sub-call's answer in the second turn, through the AI SDK provider.
    expect(root.requests).toHaveLength(2);
    expect(root.requests[1]!.messages.at(-1)!.content).toContain('3 6');
    expect(sub.requests[0]!.messages.at(-1)!.content).toBe('Sum: 1,2,3');
    expect(result.usage.total).toMatchObject({
      calls: 3,
      inputTokens: 2230,
      outputTokens: 121,
      cachedInputTokens: 1000,
    });
    // The root's id is in the catalog, so its calls are priced; the local sub-model's are not.
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.usage.total.callsWithUnknownCost).toBe(1);
    const ends = events.filter((event) => event.type === 'model-call-end');
    expect(ends.map((event) => event.type === 'model-call-end' && event.finishReason)).toEqual([
      'stop',
      'stop',
      'stop',
    ]);
  });

  it('a provider failure mid-run stops the run with the mapped error', async () => {
    const root = await serverWith({ text: code('console.log(context.length)') }, { fault: 'invalid-key' });
    const rlm = createRLM({
      model: bridgedModel(provider, root),
      environment: createQuickJSEnvironment(),
    });
    await expect(rlm.completion('q', { context: 'abc' })).rejects.toMatchObject({
      name: 'AuthenticationError',
      statusCode: 401,
    });
  });
});

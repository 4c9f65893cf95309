import { InvalidPromptError, UnsupportedFunctionalityError } from '@ai-sdk/provider';
import { createRLM, type RLMEvent } from '@rlm/core';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { AI_SDK_PROVIDERS, serverWith } from './ai-sdk-test-fixture';
import { fromAISDK } from './from-ai-sdk';
import { rlmModel } from './rlm-model';
import { rlmQuestionFromPrompt } from './rlm-question-from-prompt';

function code(source: string): string {
  return `Step.\n\`\`\`javascript\n${source}\n\`\`\``;
}

async function scriptedRLM(...replies: Parameters<typeof serverWith>) {
  const server = await serverWith(...replies);
  const model = fromAISDK(AI_SDK_PROVIDERS['openai-compatible (v3)'](server), {
    retry: { initialDelayMs: 1 },
  });
  return { server, rlm: createRLM({ model, environment: createQuickJSEnvironment() }) };
}

describe('rlmQuestionFromPrompt', () => {
  it('is the last user message alone when there is nothing before it', () => {
    expect(rlmQuestionFromPrompt([{ role: 'user', content: [{ type: 'text', text: 'Why?' }] }])).toEqual({
      question: 'Why?',
      warnings: [],
    });
  });

  it.each([
    ['an empty prompt', []],
    ['a prompt ending with the assistant', [{ role: 'assistant', content: [{ type: 'text', text: 'hi' }] }]],
    ['a blank question', [{ role: 'user', content: [{ type: 'text', text: '  ' }] }]],
  ])('refuses %s', (_name, prompt) => {
    expect(() => rlmQuestionFromPrompt(prompt as never)).toThrow(InvalidPromptError);
  });

  it('refuses files in the question and says to put them in the context', () => {
    const attempt = () =>
      rlmQuestionFromPrompt([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in it?' },
            { type: 'file', data: new Uint8Array([1]), mediaType: 'application/pdf' },
          ],
        },
      ]);
    expect(attempt).toThrow(UnsupportedFunctionalityError);
    expect(attempt).toThrow(/context/);
  });

  it('warns, once, about tool calls and tool results it leaves out', () => {
    const { question, warnings } = rlmQuestionFromPrompt([
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'calling' },
          { type: 'tool-call', toolCallId: '1', toolName: 't', input: {} },
        ],
      },
      { role: 'tool', content: [] },
      { role: 'tool', content: [] },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
    ]);
    expect(question).toBe('Conversation so far:\nUser: a\n\nAssistant: calling\n\nQuestion:\nb');
    expect(warnings).toHaveLength(2);
  });
});

describe('rlmModel settings and warnings', () => {
  it.each([
    ['no rlm', {}],
    ['a model instead of an RLM', { rlm: { doGenerate() {} } }],
    ['an empty modelId', { rlm: { completion() {}, stream() {} }, modelId: '' }],
  ])('refuses %s', (_name, settings) => {
    expect(() => rlmModel(settings as never)).toThrow(/rlm|modelId/);
  });

  it('warns about sampling settings and tools it cannot apply, and still answers', async () => {
    const { rlm } = await scriptedRLM({ text: code('FINAL("done")') });
    const result = await generateText({
      model: rlmModel({ rlm, context: 'c', modelId: 'log-reader' }),
      prompt: 'q',
      temperature: 0.3,
      maxOutputTokens: 10,
    });
    expect(result.text).toBe('done');
    expect(result.response.modelId).toBe('log-reader');
    expect(result.warnings?.map((warning) => (warning as { feature?: string }).feature)).toEqual([
      'temperature',
      'maxOutputTokens',
    ]);
  });

  it('refuses providerOptions.rlm that are not an object', async () => {
    const { rlm } = await scriptedRLM();
    await expect(
      generateText({
        model: rlmModel({ rlm, context: 'c' }),
        prompt: 'q',
        providerOptions: { rlm: { limits: 3 } },
      }),
    ).rejects.toThrow(/providerOptions.rlm.limits must be an object/);
  });
});

describe('rlmModel streaming', () => {
  it('reports sub-calls as progress, and every event as a raw chunk when asked', async () => {
    const { rlm } = await scriptedRLM(
      {
        text: code(
          'const summary = await llm_query("summarise: " + context.slice(0, 20));\nconsole.log(summary);',
        ),
      },
      { text: 'a short summary' },
      { text: code('FINAL(summary)') },
    );
    const result = streamText({
      model: rlmModel({ rlm, context: 'a long text '.repeat(50) }),
      prompt: 'Summarise it.',
      includeRawChunks: true,
    });
    const raw: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'raw') raw.push(part.rawValue);
    expect(await result.text).toBe('a short summary');
    expect(await result.reasoningText).toMatch(/llm_query \(.+\) answered in \d+ ms/);
    const types = raw.map((event) => (event as { type: string }).type);
    expect(types[0]).toBe('run-start');
    expect(types).toContain('sub-call-start');
    expect(types.at(-1)).toBe('run-end');
  });

  it('stops the run when the reader cancels the stream', async () => {
    const server = await serverWith(
      { text: code('console.log(1)') },
      { text: code('FINAL("late")'), delayMs: 5_000 },
    );
    const events: RLMEvent[] = [];
    const rlm = createRLM({
      model: fromAISDK(AI_SDK_PROVIDERS['openai-compatible (v3)'](server)),
      environment: createQuickJSEnvironment(),
      onEvent: (event) => events.push(event),
    });
    const model = rlmModel({ rlm, context: 'c' });
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
    });
    const reader = stream.getReader();
    const started = performance.now();
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === 'reasoning-delta' && value.delta.startsWith('Cell 1')) break;
    }
    await reader.cancel(new Error('reader gone'));
    // The run stops (before or during its second root call) instead of waiting for the 5 s reply.
    await expect.poll(() => events.at(-1)?.type, { timeout: 2_000 }).toBe('run-error');
    expect(events.at(-1)).toMatchObject({ error: { name: 'RunAbortedError' } });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });
});

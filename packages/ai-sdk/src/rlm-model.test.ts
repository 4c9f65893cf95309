import { createRLM, type RLMEvent } from '@rlm/core';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { generateText, jsonSchema, Output, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { AI_SDK_PROVIDERS, serverWith } from './ai-sdk-test-fixture';
import { fromAISDK } from './from-ai-sdk';
import { rlmModel } from './rlm-model';

function code(source: string): string {
  return `I will look at the context.\n\`\`\`javascript\n${source}\n\`\`\``;
}

/**
 * An RLM whose own model is an OpenAI-compatible AI SDK provider pointed at the test server, which
 * answers with `replies` in order: real HTTP, a real sandbox, the AI SDK's own generateText/streamText.
 */
async function scriptedRLM(...replies: Parameters<typeof serverWith>) {
  const server = await serverWith(...replies);
  const model = fromAISDK(AI_SDK_PROVIDERS['openai-compatible (v3)'](server, 'gpt-5-mini'), {
    retry: { initialDelayMs: 1 },
  });
  return { server, rlm: createRLM({ model, environment: createQuickJSEnvironment() }) };
}

const countAndFinish = [
  {
    text: code(
      'const n = context.split("\\n").filter((line) => line.includes("ERROR")).length;\nconsole.log(n);',
    ),
    usage: { inputTokens: 800, outputTokens: 60, cachedInputTokens: 100 },
  },
  { text: code('FINAL("There are " + n + " errors.")'), usage: { inputTokens: 900, outputTokens: 20 } },
];
// Long enough that the loop's preview of the context (its head and tail) leaves the middle out.
const filler = Array.from({ length: 400 }, (_, index) => `ok line ${index}`);
const log = [...filler, 'ERROR disk', 'ERROR net', 'ERROR cpu', ...filler].join('\n');

describe('generateText over rlmModel', () => {
  it('answers the prompt from the factory context; usage is the run total; metadata has cost and turns', async () => {
    const { server, rlm } = await scriptedRLM(...countAndFinish);
    const result = await generateText({ model: rlmModel({ rlm, context: log }), prompt: 'How many errors?' });
    expect(result.text).toBe('There are 3 errors.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 1700, outputTokens: 80, totalTokens: 1780 });
    expect(result.usage.inputTokenDetails).toMatchObject({ cacheReadTokens: 100, noCacheTokens: 1600 });
    const metadata = result.providerMetadata?.rlm;
    expect(metadata).toMatchObject({
      answerSource: 'FINAL',
      turns: 2,
      calls: 2,
      failedSubCalls: { count: 0, total: 0 },
    });
    expect(metadata?.costUsd).toBeGreaterThan(0);
    // The question reached the RLM's root model; the context did not (it stays in the REPL).
    expect(server.requests[0]!.messages.at(-1)!.content).toContain('How many errors?');
    expect(JSON.stringify(server.requests)).not.toContain('ERROR disk');
  });

  it('takes the context of one call from providerOptions.rlm, over the factory’s', async () => {
    const { rlm } = await scriptedRLM(...countAndFinish);
    const result = await generateText({
      model: rlmModel({ rlm, context: 'no errors here' }),
      prompt: 'How many errors?',
      providerOptions: { rlm: { context: 'ERROR only' } },
    });
    expect(result.text).toBe('There are 1 errors.');
  });

  it('keeps system instructions and earlier turns in the question', async () => {
    const { server, rlm } = await scriptedRLM({ text: code('FINAL("fine")') });
    await generateText({
      model: rlmModel({ rlm, context: log }),
      system: 'Answer in French.',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi, ask about the log.' },
        { role: 'user', content: 'How many errors?' },
      ],
    });
    const sent = server.requests[0]!.messages.at(-1)!.content;
    expect(sent).toContain('Instructions:\nAnswer in French.');
    expect(sent).toContain('User: Hello\n\nAssistant: Hi, ask about the log.');
    expect(sent).toContain('Question:\nHow many errors?');
  });

  it('returns a schema-checked value with Output.object (the RLM validates FINAL against the schema)', async () => {
    const { server, rlm } = await scriptedRLM(
      // The first FINAL does not match the schema: the RLM sends it back with what is wrong.
      { text: code('FINAL({ errors: "three" })') },
      { text: code('FINAL({ errors: 3, kinds: ["disk", "net", "cpu"] })') },
    );
    const schema = jsonSchema<{ errors: number; kinds: string[] }>({
      type: 'object',
      properties: { errors: { type: 'integer' }, kinds: { type: 'array', items: { type: 'string' } } },
      required: ['errors', 'kinds'],
      additionalProperties: false,
    });
    const result = await generateText({
      model: rlmModel({ rlm, context: log }),
      prompt: 'Count the errors and list their kinds.',
      output: Output.object({ schema }),
    });
    expect(result.output).toEqual({ errors: 3, kinds: ['disk', 'net', 'cpu'] });
    // The model was shown the schema, and its first, wrong answer was sent back.
    expect(server.requests[0]!.messages[0]!.content).toContain('"kinds"');
    expect(server.requests).toHaveLength(2);
  });

  it('fails with the RLM’s error when the run fails (a limit), and generateText does not run it again', async () => {
    const { server, rlm } = await scriptedRLM(
      { text: code('console.log(1)') },
      { text: code('console.log(2)') },
      { text: code('console.log(3)') },
      { text: code('console.log(4)') },
    );
    const error = await generateText({
      model: rlmModel({ rlm, context: log, limits: { maxTurns: 3 } }),
      prompt: 'q',
      providerOptions: { rlm: { limits: { maxTurns: 1 } } },
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ name: 'LimitExceededError' });
    // The call's limit (1 turn) won over the factory's (3), and the failed run was not retried.
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  it('says what to do when no context is given', async () => {
    const { rlm } = await scriptedRLM();
    await expect(generateText({ model: rlmModel({ rlm }), prompt: 'q' })).rejects.toThrow(
      /rlmModel\(\{ rlm, context \}\).*providerOptions: \{ rlm: \{ context \} \}/s,
    );
  });
});

describe('streamText over rlmModel', () => {
  it('streams the run’s progress as reasoning with metadata, then the answer; usage is the run total', async () => {
    const { rlm } = await scriptedRLM(...countAndFinish);
    const result = streamText({ model: rlmModel({ rlm, context: log }), prompt: 'How many errors?' });
    const parts: { type: string; text?: string; providerMetadata?: unknown }[] = [];
    for await (const part of result.fullStream) parts.push(part as never);
    expect(await result.text).toBe('There are 3 errors.');
    expect((await result.usage).inputTokens).toBe(1700);
    expect((await result.providerMetadata)?.rlm).toMatchObject({ turns: 2, answerSource: 'FINAL' });

    const types = parts.map((part) => part.type);
    // Progress comes first, the answer after it.
    expect(types.indexOf('reasoning-delta')).toBeLessThan(types.indexOf('text-delta'));
    const progress = parts
      .filter((part) => part.type === 'reasoning-delta')
      .map((part) => (part.providerMetadata as { rlm: { progress: RLMEvent } }).rlm.progress);
    expect(progress.map((event) => event.type)).toEqual([
      'turn-start',
      'model-call-end',
      'cell-start',
      'cell-end',
      'turn-start',
      'model-call-end',
      'cell-start',
      'cell-end',
    ]);
    const reasoning = await result.reasoningText;
    expect(reasoning).toContain('Turn 1/');
    expect(reasoning).toContain('Cell 1 of turn 2 ran in');
  });

  it('streams a failed run as an error with the usage spent so far', async () => {
    const { rlm } = await scriptedRLM({ text: code('console.log(1)') }, { fault: 'invalid-key' });
    const errors: unknown[] = [];
    const result = streamText({
      model: rlmModel({ rlm, context: log }),
      prompt: 'q',
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const parts: { type: string }[] = [];
    for await (const part of result.fullStream) parts.push(part);
    expect(parts.some((part) => part.type === 'error')).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'AuthenticationError' });
  });

  it('stops the run when the caller aborts', async () => {
    const { server, rlm } = await scriptedRLM(
      { text: code('console.log(1)') },
      { text: code('FINAL("late")'), delayMs: 5_000 },
    );
    const controller = new AbortController();
    const result = streamText({
      model: rlmModel({ rlm, context: log }),
      prompt: 'q',
      abortSignal: controller.signal,
    });
    const started = performance.now();
    for await (const part of result.fullStream) {
      if (part.type === 'reasoning-delta' && part.text.startsWith('Cell 1 of turn 1')) controller.abort();
    }
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });
});

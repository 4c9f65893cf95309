import { createRLM } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createPyodideEnvironment } from './pyodide-environment';

// The loop with a real interpreter and a scripted model writing Python: the arguments Python passes
// by keyword reach the host functions in the places the loop reads them.
const environment = createPyodideEnvironment({ memoryLimitMb: 512 });
afterAll(() => environment.dispose());

const fence = (code: string) => `\`\`\`python\n${code}\n\`\`\``;

describe('the RLM loop in Python', () => {
  it('maps keyword arguments: llm_query(model=), rlm_query(sub_context=), tools(**kwargs); FINAL_VAR ends the run', async () => {
    const sub = new MockLanguageModel({
      modelId: 'sub',
      responses: (request) => `sub saw: ${request.lastMessage}`,
    });
    const fast = new MockLanguageModel({ modelId: 'fast', responses: () => 'fast answer' });
    const searched: unknown[] = [];
    const root = new MockLanguageModel({
      modelId: 'root',
      responses: [
        fence(
          [
            'a = await llm_query("plain")',
            'b = await llm_query("named", model="fast")',
            'c = await rlm_query("question", sub_context="the piece")',
            'd = await llm_query_batched(["x", "y"])',
            'e = await search(pattern="err", limit=2)',
            'print(a, "|", b, "|", c, "|", d, "|", e)',
          ].join('\n'),
        ),
        fence('summary = f"{len(context)} {b} {e}"\nFINAL_VAR("summary")'),
      ],
    });
    const rlm = createRLM({
      model: root,
      subModel: sub,
      models: { fast },
      environment,
      tools: [
        {
          name: 'search',
          description: 'Finds lines.',
          parameters: {
            type: 'object',
            properties: { pattern: { type: 'string' }, limit: { type: 'number' } },
            required: ['pattern'],
          },
          execute: async (input) => {
            searched.push(input);
            return ['line 1'];
          },
        },
      ],
    });
    const { answer } = await rlm.completion('q', { context: 'some text' });
    expect(answer).toBe("9 fast answer ['line 1']");
    expect(searched).toEqual([{ pattern: 'err', limit: 2 }]);
    expect(sub.calls.map((call) => call.lastMessage)).toEqual(['plain', 'question\n\nthe piece', 'x', 'y']);
    expect(fast.calls).toHaveLength(1);
    const secondTurn = root.calls[1]?.messages.map((message) => message.content).join('\n') ?? '';
    expect(secondTurn).toContain(
      "sub saw: plain | fast answer | sub saw: question\n\nthe piece | ['sub saw: x', 'sub saw: y'] | ['line 1']",
    );
    expect(root.calls[0]?.messages[0]?.content).toContain('Python REPL');
  }, 120_000);

  it('accepts the reference’s answer dict as a finish', async () => {
    const root = new MockLanguageModel({
      responses: [fence('answer["content"] = "from the dict"\nanswer["ready"] = True')],
    });
    const rlm = createRLM({ model: root, environment });
    await expect(rlm.completion('q', { context: 'x' })).resolves.toMatchObject({ answer: 'from the dict' });
  }, 120_000);
});

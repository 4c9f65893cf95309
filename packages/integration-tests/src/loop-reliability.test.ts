import { APICallError, type RLMEvent } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

const failing = (prompt: string) =>
  new APICallError({ message: `upstream 503 for ${prompt.length > 3 ? 'long' : 'short'}`, statusCode: 503 });

describe('issue 9, finding 1: a failed sub-call is never silently a value', () => {
  it('marks failed batch items for the model, tells it after the block, and counts them in the result, events and trajectory', async () => {
    const model = new MockLanguageModel({
      modelId: 'root',
      responses: [
        code(
          'const answers = await llm_query_batched(Array.from({ length: 10 }, (_, i) => "item " + i));\nconsole.log(answers.filter((a) => a.startsWith("Error:")).length)',
        ),
        code('FINAL("partial")'),
      ],
    });
    const subModel = new MockLanguageModel({
      modelId: 'sub',
      responses: (request) =>
        request.lastMessage === 'item 3' || request.lastMessage === 'item 7'
          ? failing(request.lastMessage)
          : `ok ${request.lastMessage}`,
    });
    const events: RLMEvent[] = [];
    const result = await quickjsRLM({ model, subModel }).completion('q', {
      context: 'c',
      onEvent: (event) => events.push(event),
    });
    const feedback = model.calls[1]!.lastMessage;
    expect(feedback).toMatch(/\n2\n/);
    expect(feedback).toContain('2 of 10 sub-call(s) of this block FAILED');
    expect(feedback).toContain('2× APICallError: upstream 503 for long');
    expect(model.calls[0]!.messages[0]!.content).toContain('never count one as an answer');

    const expected = {
      count: 2,
      total: 10,
      reasons: [{ message: 'APICallError: upstream 503 for long', count: 2 }],
    };
    expect(result.failedSubCalls).toEqual(expected);
    expect(result.trajectory.failedSubCalls).toEqual(expected);
    const end = events.find((event) => event.type === 'run-end');
    expect(end?.type === 'run-end' && end.failedSubCalls).toEqual(expected);
  });

  it('counts a child run’s failures in its parent and in the result, and reports zero when nothing failed', async () => {
    const model = new MockLanguageModel({
      modelId: 'root',
      responses: [code('console.log(await rlm_query("child question"))'), code('FINAL("root done")')],
    });
    const subModel = new MockLanguageModel({
      modelId: 'sub',
      responses: (request) =>
        request.messages.length === 2
          ? code(
              'try { await llm_query("x", "bad") } catch (error) { console.log("caught " + error.message) }',
            )
          : code('FINAL("child done")'),
    });
    const bad = new MockLanguageModel({ modelId: 'bad', responses: () => failing('x') });
    const result = await quickjsRLM({ model, subModel, models: { bad } }).completion('q', {
      context: 'c',
      limits: { maxDepth: 2 },
    });
    expect(subModel.calls[1]!.lastMessage).toContain('caught upstream 503 for short');
    expect(subModel.calls[1]!.lastMessage).toContain('1 of 1 sub-call(s) of this block FAILED');
    // The root made 1 sub-call (the child), the child 1 (failed): the root's count includes the child's.
    expect(result.failedSubCalls).toEqual({
      count: 1,
      total: 2,
      reasons: [{ message: 'APICallError: upstream 503 for short', count: 1 }],
    });
    const child = result.trajectory.iterations[0]!.codeBlocks[0]!.subCalls[0]!.child!;
    expect(child.failedSubCalls).toEqual({ ...result.failedSubCalls, total: 1 });

    const ok = await quickjsRLM({
      model: new MockLanguageModel({ responses: [code('FINAL(await llm_query("a"))')] }),
      subModel: new MockLanguageModel({ responses: ['fine'] }),
    }).completion('q', { context: 'c' });
    expect(ok.failedSubCalls).toEqual({ count: 0, total: 1, reasons: [] });
  });
});

import type { LimitExceededError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';

/*
 * What the root model is told after each turn, and what the trajectory keeps of it: outputs per
 * block, failed sub-calls, replies cut off or without code, blocks after FINAL, and the count of
 * failing turns in a row (issue 10: mutation testing found these unchecked).
 */

const fence = '```';

describe('the feedback after a turn', () => {
  it('shows each block’s output under its number, then the turn count and the question', async () => {
    const model = new MockLanguageModel({
      responses: [
        `Two blocks.\n${fence}javascript\nconsole.log("first out")\n${fence}\n${fence}js\nconsole.log("second out")\n${fence}`,
        code('FINAL("ok")'),
      ],
    });
    const result = await quickjsRLM({ model, limits: { maxTurns: 5 } }).completion('What is the count?', {
      context: 'c',
    });
    const feedback = model.calls[1]!.lastMessage;
    expect(feedback).toMatch(/Output of block 1:\n[^\n]*first out/);
    expect(feedback).toMatch(/Output of block 2:\n[^\n]*second out/);
    expect(feedback.indexOf('first out')).toBeLessThan(feedback.indexOf('second out'));
    expect(feedback).toContain(
      'Turn 1/5. When you have the answer, call FINAL(...) or FINAL_VAR(...) in code.',
    );
    expect(feedback.endsWith('"What is the count?"')).toBe(true);
    expect(result.trajectory.iterations[0]!.feedback).toBe(feedback);
    expect(result.trajectory.iterations[1]!.finalAnswer).toBe('ok');
    expect(result.trajectory.iterations[0]!.finalAnswer).toBeUndefined();
  });

  it('a reply without code is told so, with the turn count', async () => {
    const model = new MockLanguageModel({ responses: ['Thinking about it.', code('FINAL("ok")')] });
    await quickjsRLM({ model, limits: { maxTurns: 4 } }).completion('q', { context: 'c' });
    const feedback = model.calls[1]!.lastMessage;
    expect(feedback).toContain(
      `Your reply had no ${fence}javascript code block to run and did not call FINAL.`,
    );
    expect(feedback).toContain('Turn 1/4.');
    expect(feedback).not.toContain('cut off');
  });

  it('a reply cut off at the output limit is told so, with code or without', async () => {
    const model = new MockLanguageModel({
      responses: [
        { text: 'I was about to', finishReason: 'length' },
        { text: code('console.log(1)'), finishReason: 'length' },
        code('FINAL("ok")'),
      ],
    });
    await quickjsRLM({ model }).completion('q', { context: 'c' });
    expect(model.calls[1]!.lastMessage).toContain(
      'Your reply was cut off at the output-token limit before it finished. Write shorter replies',
    );
    expect(model.calls[2]!.lastMessage).toContain(
      'Your reply was cut off at the output-token limit: keep replies shorter.',
    );
    expect(model.calls[2]!.lastMessage).toContain('Output of block 1:');
  });

  it('after a block whose sub-calls failed, says how many of how many, and why', async () => {
    const model = new MockLanguageModel({
      responses: [
        code('const r = await llm_query_batched(["a", "bad", "c"]); console.log(r.length)'),
        code('FINAL("ok")'),
      ],
    });
    const subModel = new MockLanguageModel({
      responses: (request) => {
        if (request.lastMessage === 'bad') throw new Error('overloaded');
        return 'fine';
      },
    });
    await quickjsRLM({ model, subModel }).completion('q', { context: 'c' });
    const feedback = model.calls[1]!.lastMessage;
    expect(feedback).toContain('1 of 3 sub-call(s) of this block FAILED and have no answer');
    expect(feedback).toContain('1× Error: overloaded');
  });

  it('blocks after the one that called FINAL are recorded, never run', async () => {
    const model = new MockLanguageModel({
      responses: [
        `${fence}javascript\nglobalThis.ran = ["one"]\n${fence}\n${fence}javascript\nFINAL("from two")\n${fence}\n${fence}javascript\nconsole.log("three")\n${fence}`,
      ],
    });
    const result = await quickjsRLM({ model }).completion('q', { context: 'c' });
    expect(result.answer).toBe('from two');
    const blocks = result.trajectory.iterations[0]!.codeBlocks;
    expect(blocks).toHaveLength(3);
    expect(blocks[0]!.result).toBeDefined();
    expect(blocks[1]!.result?.final?.value).toBe('from two');
    expect(blocks[2]!.result).toBeUndefined();
    expect(blocks[2]!.code).toBe('console.log("three")');
  });
});

describe('failing turns in a row', () => {
  it('a turn whose code works, or that has no code, starts the count again', async () => {
    const model = new MockLanguageModel({
      responses: [
        code('undefinedOne()'),
        code('console.log("works")'),
        code('undefinedTwo()'),
        'No code this time.',
        code('undefinedThree()'),
        code('FINAL("survived")'),
      ],
    });
    const result = await quickjsRLM({ model, limits: { maxConsecutiveErrors: 2 } }).completion('q', {
      context: 'c',
    });
    expect(result.answer).toBe('survived');
  });

  it('a turn counts as failed only when every block failed', async () => {
    const model = new MockLanguageModel({
      responses: [
        `${fence}javascript\nundefinedOne()\n${fence}\n${fence}javascript\nconsole.log("fine")\n${fence}`,
        `${fence}javascript\nundefinedTwo()\n${fence}\n${fence}javascript\nconsole.log("fine")\n${fence}`,
        code('FINAL("partly failing turns are not failed turns")'),
      ],
    });
    const result = await quickjsRLM({ model, limits: { maxConsecutiveErrors: 1 } }).completion('q', {
      context: 'c',
    });
    expect(result.answer).toBe('partly failing turns are not failed turns');
  });

  it('reaching the limit stops the run with the count and the last error', async () => {
    const model = new MockLanguageModel({ responses: () => code('missingFunction()') });
    const error = await quickjsRLM({ model, limits: { maxConsecutiveErrors: 2 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxConsecutiveErrors');
    expect((error as LimitExceededError).limitValue).toBe(2);
    expect((error as Error).message).toMatch(
      /^The code failed in 2 turns in a row \(limits\.maxConsecutiveErrors\)\. Last error: .*missingFunction/,
    );
    expect(model.calls).toHaveLength(2);
  });
});

describe('when the turns run out', () => {
  it('the last request holds the question, and the fallback answer is recorded as such', async () => {
    const model = new MockLanguageModel({
      responses: [code('console.log(1)'), 'The answer is 12.'],
    });
    const result = await quickjsRLM({ model, limits: { maxTurns: 1 } }).completion('How many?', {
      context: 'c',
    });
    expect(model.calls).toHaveLength(2);
    expect(model.calls[1]!.lastMessage).toContain('You have used all your turns.');
    expect(model.calls[1]!.lastMessage).toContain('"""\nHow many?\n"""');
    expect(result.answer).toBe('The answer is 12.');
    expect(result.answerSource).toBe('max-turns-fallback');
    expect(result.turns).toBe(1);
  });

  it('a FINAL line in the fallback reply gives its words', async () => {
    const model = new MockLanguageModel({ responses: [code('console.log(1)'), 'FINAL("twelve")'] });
    const result = await quickjsRLM({ model, limits: { maxTurns: 1 } }).completion('q', { context: 'c' });
    expect(result.answer).toBe('twelve');
  });

  it('a fallback reply that gives no answer ends the run with maxTurns', async () => {
    const model = new MockLanguageModel({ responses: [code('console.log(1)'), 'Let me look again.'] });
    const error = await quickjsRLM({ model, limits: { maxTurns: 1 } })
      .completion('q', { context: 'c' })
      .catch((e: unknown) => e);
    expect((error as LimitExceededError).limit).toBe('maxTurns');
    expect((error as LimitExceededError).limitValue).toBe(1);
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the replies are what a model writes, template syntax included
import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { quickjsRLM } from './fixtures';

/*
 * FINAL written as prose, not code: when it is the answer and when it is not. Each rule is checked on
 * both sides, so that dropping a guard (or loosening one) fails a test (issue 10).
 */
const fence = '```';

async function run(replies: string[]) {
  const model = new MockLanguageModel({ responses: replies });
  const result = await quickjsRLM({ model }).completion('q', { context: 'c' });
  return { result, turns: model.calls.length, model };
}

describe('a FINAL written as prose in a reply whose code failed is not the answer', () => {
  it('a failing cell: the model sees the error and answers on the next turn', async () => {
    const { result, turns, model } = await run([
      `${fence}javascript\nconst total = undefinedCounter + 1\n${fence}\nFINAL(42)`,
      `${fence}javascript\nFINAL("after the fix")\n${fence}`,
    ]);
    expect(turns).toBe(2);
    expect(result.answer).toBe('after the fix');
    expect(model.calls[1]!.lastMessage).toContain('undefinedCounter');
  });

  it('the same reply with code that runs: the prose FINAL is the answer', async () => {
    const { result, turns } = await run([`${fence}javascript\nconst total = 41 + 1\n${fence}\nFINAL(total)`]);
    expect(turns).toBe(1);
    expect(result.answer).toBe('42');
    expect(result.answerSource).toBe('text');
  });

  it('one failing cell among several is enough to refuse it', async () => {
    const { result, turns } = await run([
      `${fence}javascript\nconst ok = 1\n${fence}\n${fence}javascript\nthrow new Error("broken")\n${fence}\nFINAL(ok)`,
      `${fence}javascript\nFINAL("second turn")\n${fence}`,
    ]);
    expect(turns).toBe(2);
    expect(result.answer).toBe('second turn');
  });
});

describe('FINAL_VAR written mid-sentence', () => {
  it('in a reply that also ran code, it is a plan: the run goes on', async () => {
    const { result, turns } = await run([
      `I will store the count, then answer with FINAL_VAR(count) once it is checked.\n${fence}javascript\ncount = 7\n${fence}`,
      `${fence}javascript\nFINAL("checked " + count)\n${fence}`,
    ]);
    expect(turns).toBe(2);
    expect(result.answer).toBe('checked 7');
  });

  it('at the start of a line in a reply that ran code, it is the answer', async () => {
    const { result, turns } = await run([`${fence}javascript\ncount = 7\n${fence}\nFINAL_VAR(count)`]);
    expect(turns).toBe(1);
    expect(result.answer).toBe('7');
  });

  it('in a reply without code, it is the answer (the model is done exploring)', async () => {
    const { result, turns } = await run([
      `${fence}javascript\ncount = 7\n${fence}`,
      'The count is stored, so the answer is FINAL_VAR(count) as computed.',
    ]);
    expect(turns).toBe(2);
    expect(result.answer).toBe('7');
  });
});

describe('FINAL(...) written mid-sentence is a plan, at the start of a line an answer', () => {
  it('mid-sentence: the run goes on', async () => {
    const { result, turns } = await run([
      `${fence}javascript\nconst n = 3\n${fence}\nWhen I am sure I will call FINAL(n) with it.`,
      `${fence}javascript\nFINAL("sure: " + n)\n${fence}`,
    ]);
    expect(turns).toBe(2);
    expect(result.answer).toBe('sure: 3');
  });

  it('a name that does not exist is refused, and the model is told why', async () => {
    const { result, turns, model } = await run([
      `${fence}javascript\nconst n = 3\n${fence}\nFINAL(answer)`,
      `${fence}javascript\nFINAL(n)\n${fence}`,
    ]);
    expect(turns).toBe(2);
    expect(result.answer).toBe('3');
    expect(model.calls[1]!.lastMessage).toMatch(/FINAL\(answer\)/);
  });
});

describe('a FINAL the model wrote before seeing its output is not the answer (reference issue #127)', () => {
  // The reply runs code, then "shows" output it invented, then states FINAL with that invention.
  const invented = (final: string) =>
    `${fence}javascript\nconst errors = context.split("\\n").filter((line) => line.includes("ERROR")).length\nconsole.log(errors)\n${fence}\nOutput:\n> 17\n\n${final}`;

  for (const final of [
    'FINAL(17)',
    'FINAL("17 errors")',
    'FINAL(17 errors in total)',
    'FINAL(`17`)',
    'FINAL(-1.7e1)',
  ]) {
    it(`${final} after code in the same reply: the run goes on, and the model is told why`, async () => {
      const { result, turns, model } = await run([
        invented(final),
        `${fence}javascript\nFINAL(String(errors))\n${fence}`,
      ]);
      expect(turns).toBe(2);
      // The context has no ERROR line: the real count is 0, never the invented 17.
      expect(result.answer).toBe('0');
      expect(model.calls[1]!.lastMessage).toMatch(/before seeing what the code printed/);
      expect(model.calls[1]!.lastMessage).toContain(final);
    });
  }

  it('a FINAL that reads what the code computed is still the answer in the same reply', async () => {
    for (const final of ['FINAL(errors)', 'FINAL(`${errors} errors`)', 'FINAL("count: " + errors)']) {
      const { result, turns } = await run([invented(final)]);
      expect(turns, final).toBe(1);
      expect(result.answer, final).toMatch(/^(0|0 errors|count: 0)$/);
    }
  });

  it('a literal FINAL in a reply without code is the answer (nothing was left unseen)', async () => {
    for (const [final, answer] of [
      ['FINAL(17)', '17'],
      ['FINAL(17 errors in total)', '17 errors in total'],
    ] as const) {
      const { result, turns } = await run([
        `${fence}javascript\nconsole.log(context.length)\n${fence}`,
        final,
      ]);
      expect(turns, final).toBe(2);
      expect(result.answer, final).toBe(answer);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { findFinalInProse, unquote } from './find-final-in-prose';

describe('findFinalInProse', () => {
  it('finds FINAL at the start of a line', () => {
    expect(findFinalInProse('Done.\nFINAL(42)')).toEqual({
      kind: 'FINAL',
      argument: '42',
      atLineStart: true,
    });
  });

  it('marks a FINAL mid-sentence as not at line start (a plan, not an answer)', () => {
    expect(findFinalInProse('I will explore first and then call FINAL(answer) once done.')).toEqual({
      kind: 'FINAL',
      argument: 'answer',
      atLineStart: false,
    });
  });

  it('finds FINAL_VAR mid-sentence and strips nothing from its argument', () => {
    expect(findFinalInProse('The result is stored, so FINAL_VAR("result") it is.')).toEqual({
      kind: 'FINAL_VAR',
      argument: '"result"',
      atLineStart: false,
    });
  });

  it('ignores calls inside code fences: those run as code', () => {
    expect(findFinalInProse('```javascript\nFINAL(x)\n```\nLet me check the output.')).toBeUndefined();
  });

  it('balances parentheses and quotes, across lines, after markdown emphasis', () => {
    expect(findFinalInProse('**FINAL("a (b) c)" + f(1,\n2))**')).toEqual({
      kind: 'FINAL',
      argument: '"a (b) c)" + f(1,\n2)',
      atLineStart: true,
    });
  });

  it('takes the last call and skips unclosed ones', () => {
    expect(findFinalInProse('FINAL(1)\nFINAL(2)')?.argument).toBe('2');
    expect(findFinalInProse('FINAL(never closed')).toBeUndefined();
  });

  it('unquote strips one pair of matching quotes', () => {
    expect(unquote('"Paris"')).toBe('Paris');
    expect(unquote("'x'")).toBe('x');
    expect(unquote('"a" + "b"')).toBe('"a" + "b"');
    expect(unquote('plain')).toBe('plain');
  });
});

import { describe, expect, it } from 'vitest';
import { parseHostCallArguments } from './parse-host-call-arguments';

describe('parseHostCallArguments', () => {
  it('gives exactly what JSON.parse gives, through the fast path or not', () => {
    const lists: unknown[][] = [
      ['plain text'],
      [''],
      ['with "quotes"'],
      ['back\\slash'],
      ['new\nline', 'two'],
      ['\u0001 control'],
      ['lone \ud800 surrogate'],
      ['é€🚀'],
      ['a', 'b'],
      ['","'],
      [1, null, { a: ['x'] }],
      [],
      ['ends with a quote"'],
    ];
    for (const list of lists) {
      const json = JSON.stringify(list);
      expect(parseHostCallArguments(json)).toEqual(JSON.parse(json));
    }
    expect(parseHostCallArguments('{"not":"a list"}')).toEqual({ not: 'a list' });
    expect(parseHostCallArguments('"["')).toBe('[');
  });

  it('slices long strings out in every position, and gives what JSON.parse gives', () => {
    const long = (fill: string) => fill.repeat(70_000);
    const values: unknown[] = [
      [long('x')],
      [1, long('y')],
      [long('a'), long('b'), 'short', null],
      [{ prompt: long('p'), model: 'm' }, ['nested', long('n')]],
      [{ [long('k')]: 'a long key' }],
      [long('q'), 'with "quotes" and \\ backslash'],
      [long('é'), '🚀'],
      [long('x'), ...Array.from({ length: 200_000 }, (_, i) => i)],
      ['\u0000 a NUL, escaped', long('z')],
    ];
    for (const value of values) {
      for (const json of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
        expect(parseHostCallArguments(json)).toEqual(JSON.parse(json));
      }
    }
    const unterminated = `["${long('u')}`;
    expect(() => parseHostCallArguments(unterminated)).toThrow(SyntaxError);
  });
});

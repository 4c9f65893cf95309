// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are FINAL arguments as a model writes them, template syntax included
import { describe, expect, it } from 'vitest';
import { readsVariables } from './resolve-final-from-prose';

describe('readsVariables: whether a prose FINAL argument reads the REPL', () => {
  it('literals read nothing', () => {
    for (const literal of [
      '42',
      '-1.5e3',
      '0x1f',
      '1_000n',
      '"42 errors"',
      "'it\\'s 42'",
      '"a" + "b"',
      '`plain template`',
      '`escaped \\${not} a name`',
      'true',
      'null',
      'undefined',
      '[1, 2, "three"]',
      '{ "count": 3 }',
      '"total: " + 42',
    ]) {
      expect(readsVariables(literal), literal).toBe(false);
    }
  });

  it('anything naming a variable reads it', () => {
    for (const code of [
      'total',
      '"n=" + n',
      '`${n} errors`',
      '`a ${"b"} c ${count}`',
      '`${ {a: 1}.a } and ${x}`',
      'answer.trim()',
      'String(count)',
      '[a, 1]',
      'JSON.stringify({ count })',
      'The answer is 42',
    ]) {
      expect(readsVariables(code), code).toBe(true);
    }
  });
});

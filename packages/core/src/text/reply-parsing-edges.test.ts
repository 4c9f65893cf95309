import { describe, expect, it } from 'vitest';
import { extractFencedBlocks, extractRunnableCodeBlocks } from './extract-code-blocks';
import { findFinalInProse, unquote } from './find-final-in-prose';
import { truncateOutput } from './truncate-output';

/*
 * The edges of the reply parsers, character by character: what counts as a word before FINAL, what
 * counts as whitespace before its parenthesis, where fences start and end, and unquoting (issue 10:
 * mutation testing found each of these boundaries untested).
 */

describe('FINAL must not be the end of a longer word', () => {
  it('a letter, digit or underscore before it makes it part of a word', () => {
    for (const before of ['0', '5', '9', 'A', 'M', 'Z', 'a', 'm', 'z', '_']) {
      expect(findFinalInProse(`${before}FINAL(x)`), before).toBeUndefined();
    }
  });

  it('anything else before it (the characters next to those ranges included) does not', () => {
    for (const before of ['/', ':', '@', '[', '`', '{', ' ', '(', '-', 'é']) {
      expect(findFinalInProse(`${before}FINAL(x)`), before).toMatchObject({ kind: 'FINAL', argument: 'x' });
    }
  });
});

describe('whitespace between FINAL and its parenthesis is that of \\s', () => {
  const whitespace = [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f,
    0x3000, 0xfeff,
  ];
  it('each of them is skipped', () => {
    for (const code of whitespace) {
      const space = String.fromCharCode(code);
      expect(findFinalInProse(`FINAL${space}(x)`), code.toString(16)).toMatchObject({ argument: 'x' });
      expect(findFinalInProse(`FINAL_VAR${space}${space}(y)`), code.toString(16)).toMatchObject({
        kind: 'FINAL_VAR',
        argument: 'y',
      });
    }
  });

  it('the characters just outside those ranges are not', () => {
    for (const code of [
      0x08, 0x0e, 0x1f, 0x21, 0x9f, 0x1fff, 0x200b, 0x2027, 0x202a, 0x205e, 0x2fff, 0xfefe,
    ]) {
      expect(findFinalInProse(`FINAL${String.fromCharCode(code)}(x)`), code.toString(16)).toBeUndefined();
    }
  });

  it('agrees with \\s of a regular expression on every character up to U+FFFF', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const character = String.fromCharCode(code);
      if (character === '(' || (code >= 0xd800 && code <= 0xdfff)) continue;
      const found = findFinalInProse(`FINAL${character}(x)`) !== undefined;
      if (found !== /\s/.test(character)) throw new Error(`U+${code.toString(16)}: found=${found}`);
    }
  });
});

describe('which FINAL is the answer', () => {
  it('no call at all, and calls that never close, give nothing', () => {
    expect(findFinalInProse('no final here')).toBeUndefined();
    expect(findFinalInProse('FINAL without a parenthesis')).toBeUndefined();
    expect(findFinalInProse('FINAL(never closed')).toBeUndefined();
  });

  it('the last closed call, searching on after each one’s closing parenthesis', () => {
    expect(findFinalInProse('FINAL(a) then FINAL(b)')).toMatchObject({ argument: 'b' });
    // A call inside another's argument belongs to that argument.
    expect(findFinalInProse('FINAL(f(FINAL(x))) and then')).toMatchObject({ argument: 'f(FINAL(x))' });
    // The character right after a closing parenthesis can start the next call.
    expect(findFinalInProse('FINAL(a)FINAL(b)')).toMatchObject({ argument: 'b' });
    expect(findFinalInProse('FINAL(a) FINAL(b)')).toMatchObject({ argument: 'b' });
  });

  it('parentheses inside quotes do not close the call; escaped quotes do not end the quote', () => {
    expect(findFinalInProse('FINAL("a)b")')).toMatchObject({ argument: '"a)b"' });
    expect(findFinalInProse("FINAL('it\\'s (so)')")).toMatchObject({ argument: "'it\\'s (so)'" });
    expect(findFinalInProse('FINAL(`x) y`)')).toMatchObject({ argument: '`x) y`' });
    expect(findFinalInProse('FINAL("a\\"b)c")')).toMatchObject({ argument: '"a\\"b)c"' });
    expect(findFinalInProse('FINAL("one" + \'two)\' + `three`)')).toMatchObject({
      argument: '"one" + \'two)\' + `three`',
    });
  });

  it('at the start of a line means after nothing but spaces, tabs and markdown', () => {
    expect(findFinalInProse('> **FINAL(1)**')?.atLineStart).toBe(true);
    expect(findFinalInProse('  - # `FINAL(1)`')?.atLineStart).toBe(true);
    expect(findFinalInProse('text\n\tFINAL(1)')?.atLineStart).toBe(true);
    expect(findFinalInProse('so FINAL(1)')?.atLineStart).toBe(false);
  });
});

describe('unquote', () => {
  it('takes off one pair of matching quotes of each kind', () => {
    expect(unquote('"a"')).toBe('a');
    expect(unquote("'a'")).toBe('a');
    expect(unquote('`a`')).toBe('a');
    expect(unquote('""')).toBe('');
  });

  it('leaves everything else as it is', () => {
    for (const text of ['"', "'", '`', 'a', '', '"a\'', '\'a"', '"a" + "b"', 'x"a"', '"a"x', '(a)']) {
      expect(unquote(text), text).toBe(text);
    }
  });

  it('an escape skips the next character, so an escaped closing quote leaves it quoted', () => {
    expect(unquote('"a\\"b"')).toBe('a\\"b');
    expect(unquote('"a\\"')).toBe('"a\\"');
    expect(unquote('"\\\\"')).toBe('\\\\');
  });
});

describe('fences, at their edges', () => {
  it('up to three spaces before a fence, not four', () => {
    expect(extractFencedBlocks('   ```js\nx\n   ```')).toMatchObject([{ language: 'js', code: 'x' }]);
    // Four spaces: no fence; the later ``` opens a block of its own, which runs to the end.
    expect(extractFencedBlocks('    ```js\nx\n```')).toEqual([
      { language: '', code: '', start: 12, end: 15 },
    ]);
  });

  it('a closing fence needs at least as many backticks, and only spaces or tabs after them', () => {
    expect(extractFencedBlocks('````js\nx\n```\ny\n````')[0]!.code).toBe('x\n```\ny');
    expect(extractFencedBlocks('```js\nx\n``` \t\ny')[0]!.code).toBe('x');
    expect(extractFencedBlocks('```js\nx\n``` nope\ny\n```')[0]!.code).toBe('x\n``` nope\ny');
  });

  it('the language is the first word after the backticks, spaces and tabs skipped, lower-cased', () => {
    expect(extractFencedBlocks('``` \tJS extra words\nx\n```')[0]!.language).toBe('js');
    expect(extractFencedBlocks('```\nx\n```')[0]!.language).toBe('');
  });

  it('CRLF line endings: the \\r is not part of a fence line', () => {
    const [block] = extractFencedBlocks('```js\r\nx\r\n```\r\nafter');
    expect(block!.language).toBe('js');
    expect(block!.code).toBe('x\r');
    expect(block!.end).toBe('```js\r\nx\r\n```'.length);
  });

  it('an empty line closes nothing, a fence at the very end closes, an unclosed one runs to the end', () => {
    expect(extractFencedBlocks('```js\n\nx\n')[0]).toMatchObject({ code: '\nx', end: 9 });
    expect(extractFencedBlocks('```js\nx\n```')[0]).toMatchObject({ code: 'x', start: 0, end: 11 });
    expect(extractFencedBlocks('```js')[0]).toMatchObject({ code: '', end: 5 });
  });

  it('a backtick after the opening backticks makes it no fence', () => {
    expect(extractFencedBlocks('```js `x`\ncode\n```')).toEqual([
      { language: '', code: '', start: 15, end: 18 },
    ]);
  });

  it('runnable blocks: a known tag and some code', () => {
    const reply = '```js\n  \n```\n```js\nx\n```\n```python\ny\n```\n```repl\nz\n```';
    expect(extractRunnableCodeBlocks(reply, 'javascript').map((block) => block.code)).toEqual(['x', 'z']);
    expect(extractRunnableCodeBlocks(reply, 'python').map((block) => block.code)).toEqual(['y', 'z']);
  });
});

describe('truncateOutput', () => {
  it('keeps text of exactly the limit whole, and cuts one character more', () => {
    expect(truncateOutput('x'.repeat(100), 100)).toBe('x'.repeat(100));
    const cut = truncateOutput(`${'a'.repeat(60)}${'b'.repeat(41)}`, 100);
    expect(cut).not.toBe(`${'a'.repeat(60)}${'b'.repeat(41)}`);
    expect(cut.startsWith('a')).toBe(true);
    expect(cut.endsWith('b')).toBe(true);
  });

  it('keeps 60% of what the note leaves as head and the rest as tail, and says how much was left out', () => {
    const text = 'abcdefghij'.repeat(100);
    const note =
      '\n… [990 characters omitted: the output was 1,000 characters; print less, or print slices] …\n';
    // The room is measured with the longest note (all 1,000 characters omitted), 2 characters longer.
    const cut = truncateOutput(text, note.length + 2 + 10);
    expect(cut).toBe(`abcdef${note}ghij`);
  });

  it('with a limit smaller than the note, keeps only the note (no head, no tail)', () => {
    const cut = truncateOutput('abcdefghij'.repeat(10), 1);
    expect(cut).toBe(
      '\n… [100 characters omitted: the output was 100 characters; print less, or print slices] …\n',
    );
  });
});

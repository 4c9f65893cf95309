import { describe, expect, it } from 'vitest';
import { extractFencedBlocks, extractRunnableCodeBlocks, removeFencedBlocks } from './extract-code-blocks';

describe('extractRunnableCodeBlocks', () => {
  it('finds javascript, js and repl blocks in order and ignores other languages', () => {
    const reply = [
      'First I look.',
      '```javascript',
      'console.log(context.length)',
      '```',
      'Then:',
      '```repl',
      'const x = 1;',
      '```',
      '```text',
      'FINAL(not code)',
      '```',
      '```js',
      'x + 1',
      '```',
    ].join('\n');
    const blocks = extractRunnableCodeBlocks(reply, 'javascript');
    expect(blocks.map((block) => [block.language, block.code])).toEqual([
      ['javascript', 'console.log(context.length)'],
      ['repl', 'const x = 1;'],
      ['js', 'x + 1'],
    ]);
  });

  it('keeps nested shorter fences inside a longer fence', () => {
    const reply = '````javascript\nconst s = `\n```\ninner\n```\n`;\n````\nafter';
    const blocks = extractFencedBlocks(reply);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.code).toBe('const s = `\n```\ninner\n```\n`;');
  });

  it('runs an unclosed fence to the end of the reply (a reply cut off mid-code)', () => {
    const blocks = extractRunnableCodeBlocks('```javascript\nconst a = 1;\nconsole.log(a)', 'javascript');
    expect(blocks.map((block) => block.code)).toEqual(['const a = 1;\nconsole.log(a)']);
  });

  it('skips empty blocks and python blocks in a JavaScript REPL', () => {
    expect(extractRunnableCodeBlocks('```javascript\n\n```\n```python\nprint(1)\n```', 'javascript')).toEqual(
      [],
    );
    expect(
      extractRunnableCodeBlocks('```python\nprint(1)\n```', 'python').map((block) => block.code),
    ).toEqual(['print(1)']);
  });

  it('removeFencedBlocks leaves only the prose', () => {
    expect(removeFencedBlocks('a\n```js\ncode\n```\nb')).toBe('a\n\nb');
  });
});

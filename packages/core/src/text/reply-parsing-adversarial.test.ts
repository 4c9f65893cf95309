import { describe, expect, it } from 'vitest';
import { REPLY_SHAPES } from '../../bench/reply-shapes';
import { extractFencedBlocks, extractRunnableCodeBlocks } from './extract-code-blocks';
import { findFinalInProse, unquote } from './find-final-in-prose';

/*
 * What the reply parsers find in adversarial replies (their speed on them: reply-parsing-linear-time).
 */
describe('reply parsers on adversarial replies', () => {
  it('gives the expected results for each kind of shape', () => {
    const size = 64 * 1024;
    const unclosed = REPLY_SHAPES['unclosed fence + letters + backtick']!(size);
    // The info string holds a backtick, so it is no fence: everything is prose.
    expect(extractFencedBlocks(unclosed)).toEqual([]);
    const nested = extractFencedBlocks(REPLY_SHAPES['nested fences, never closed']!(size));
    expect(nested).toHaveLength(1);
    expect(nested[0]!.language).toBe('javascript');
    expect(
      extractRunnableCodeBlocks(REPLY_SHAPES['closed javascript blocks']!(size), 'javascript').length,
    ).toBe(Math.floor(size / '```javascript\nx = 1\n```\n'.length));
    const crlf = extractRunnableCodeBlocks(REPLY_SHAPES['CRLF fences']!(size), 'javascript');
    expect(crlf.length).toBe(Math.floor(size / '```js\r\nx\r\n```\r\n'.length));
    expect(crlf[0]!.code).toBe('x\r');
    expect(extractFencedBlocks(REPLY_SHAPES['tilde fences']!(size))).toEqual([]);
    expect(extractFencedBlocks(REPLY_SHAPES['backtick lines']!(size))).toHaveLength(Math.ceil(size / 4 / 2));
    expect(findFinalInProse(REPLY_SHAPES['unclosed FINAL(']!(size))).toBeUndefined();
    expect(findFinalInProse(REPLY_SHAPES['unclosed FINAL_VAR(']!(size))).toBeUndefined();
    expect(findFinalInProse(REPLY_SHAPES['FINAL(" unclosed quotes']!(size))).toBeUndefined();
    expect(findFinalInProse(REPLY_SHAPES['FINAL( inside unclosed fence']!(size))).toBeUndefined();
    const nestedFinal = findFinalInProse(REPLY_SHAPES['FINAL(FINAL( nested, closed once']!(size));
    // Only the innermost call closes; the outer ones never do.
    expect(nestedFinal).toEqual({ kind: 'FINAL', argument: '', atLineStart: false });
    const many = findFinalInProse(REPLY_SHAPES['closed FINAL(1) on one line']!(size));
    expect(many).toEqual({ kind: 'FINAL', argument: '1', atLineStart: false });
  });
});

/*
 * The linear parsers must keep the old behaviour. The regex versions they replace are kept here as
 * the reference (quadratic, so only on short replies) and both are run on thousands of random
 * replies built from the fragments that matter: fences of several lengths, language tags, CRLF,
 * indentation, FINAL / FINAL_VAR calls, quotes, escapes and parentheses.
 */
const REFERENCE_OPENING_FENCE = /^( {0,3})(`{3,})[ \t]*([^\s`]*)[^\n`]*$/gm;

function referenceFencedBlocks(text: string) {
  const blocks: Array<{ language: string; code: string; start: number; end: number }> = [];
  REFERENCE_OPENING_FENCE.lastIndex = 0;
  let match = REFERENCE_OPENING_FENCE.exec(text);
  while (match !== null) {
    const fence = match[2]!;
    const bodyStart = match.index + match[0].length + 1;
    const closing = new RegExp(`^ {0,3}\`{${fence.length},}[ \\t]*$`, 'gm');
    closing.lastIndex = Math.min(bodyStart, text.length);
    const close = closing.exec(text);
    const bodyEnd = close ? close.index : text.length;
    const end = close ? close.index + close[0].length : text.length;
    blocks.push({
      language: match[3]!.toLowerCase(),
      code: text.slice(Math.min(bodyStart, text.length), Math.max(bodyStart, bodyEnd)).replace(/\n$/, ''),
      start: match.index,
      end,
    });
    REFERENCE_OPENING_FENCE.lastIndex = Math.max(end, REFERENCE_OPENING_FENCE.lastIndex);
    match = REFERENCE_OPENING_FENCE.exec(text);
  }
  return blocks;
}

function referenceFinalInProse(reply: string) {
  let prose = '';
  let position = 0;
  for (const block of referenceFencedBlocks(reply)) {
    prose += reply.slice(position, block.start);
    position = block.end;
  }
  prose += reply.slice(position);
  const call = /\b(FINAL_VAR|FINAL)\s*\(/g;
  let found: { kind: string; argument: string; atLineStart: boolean } | undefined;
  let match = call.exec(prose);
  while (match !== null) {
    const argumentStart = match.index + match[0].length;
    let depth = 1;
    let quote: string | undefined;
    let argumentEnd = -1;
    for (let index = argumentStart; index < prose.length; index++) {
      const character = prose[index];
      if (quote !== undefined) {
        if (character === '\\') index++;
        else if (character === quote) quote = undefined;
        continue;
      }
      if (character === '"' || character === "'" || character === '`') quote = character;
      else if (character === '(') depth++;
      else if (character === ')' && --depth === 0) {
        argumentEnd = index;
        break;
      }
    }
    if (argumentEnd !== -1) {
      const lineStart = prose.lastIndexOf('\n', match.index) + 1;
      found = {
        kind: match[1]!,
        argument: prose.slice(argumentStart, argumentEnd).trim(),
        atLineStart: /^[ \t>*_`#-]*$/.test(prose.slice(lineStart, match.index)),
      };
      call.lastIndex = argumentEnd + 1;
    }
    match = call.exec(prose);
  }
  return found;
}

function referenceUnquote(text: string): string {
  const match = /^(["'`])((?:\\[\s\S]|(?!\1)[^\\])*)\1$/.exec(text);
  return match ? match[2]! : text;
}

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const FRAGMENTS = [
  '```',
  '````',
  '```javascript',
  '```js x',
  '```python',
  '``` repl',
  '`',
  '``',
  '  ```',
  '    ```',
  '\n',
  '\n',
  '\n',
  '\r\n',
  ' ',
  '\t',
  'a',
  'x = 1',
  '~~~',
  'FINAL(',
  'FINAL_VAR(',
  'FINAL (',
  'FINAL\n(',
  'xFINAL(',
  'FINAL_VARS(',
  '**FINAL(',
  '- FINAL(',
  '(',
  ')',
  ')',
  '"',
  "'",
  '\\',
  'answer',
  '"a (b)"',
];

function randomReply(next: () => number, maxFragments = 40): string {
  const length = Math.floor(next() * maxFragments);
  let reply = '';
  for (let i = 0; i < length; i++) reply += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
  return reply;
}

describe('the linear parsers agree with the regex parsers they replace', () => {
  it('on 20,000 random replies of fences, calls, quotes and line endings', () => {
    const next = random(8);
    for (let i = 0; i < 20_000; i++) {
      const reply = randomReply(next);
      expect(extractFencedBlocks(reply), JSON.stringify(reply)).toEqual(referenceFencedBlocks(reply));
      expect(findFinalInProse(reply), JSON.stringify(reply)).toEqual(referenceFinalInProse(reply));
    }
  });

  it('on 2,000 longer random replies of calls, quotes and escapes (deep merges of scans)', () => {
    const next = random(10);
    for (let i = 0; i < 2_000; i++) {
      const reply = randomReply(next, 300);
      expect(findFinalInProse(reply), JSON.stringify(reply)).toEqual(referenceFinalInProse(reply));
    }
  });

  it('unquote on random literals', () => {
    const next = random(9);
    const pieces = ['"', "'", '`', '\\', 'a', ' ', '+'];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const length = Math.floor(next() * 8);
      for (let j = 0; j < length; j++) text += pieces[Math.floor(next() * pieces.length)];
      expect(unquote(text), JSON.stringify(text)).toBe(referenceUnquote(text));
    }
  });
});

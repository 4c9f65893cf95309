import { describe, expect, it } from 'vitest';
import { REPLY_SHAPES } from '../../bench/reply-shapes';
import { extractFencedBlocks, extractRunnableCodeBlocks, removeFencedBlocks } from './extract-code-blocks';
import { findFinalInProse, unquote } from './find-final-in-prose';

/*
 * Finding 7 of issue 8: a model's reply is untrusted text, and its parsers must be linear. Checked two
 * ways that hold on a loaded machine and under mutation testing's instrumentation alike: the time
 * grows about 4x from 256 kB to 1 MB (a quadratic parser grows 16x), and 1 MB never takes more than
 * 10 s (the quadratic regex parsers this replaced took 21 s at 100 kB, minutes at 1 MB).
 */
const ONE_MB = 1_048_576;
const BOUND_MS = 10_000;
/** Below this, timer noise and one garbage collection outweigh the growth being measured. */
const NOISE_FLOOR_MS = 50;

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

/** The fastest of three runs: the work's own cost, without the machine's hiccups. */
function fastest(work: () => unknown): number {
  return Math.min(...[0, 1, 2].map(() => timed(work).ms));
}

/** Fails when `parse` is super-linear: 4x the input may take at most 8x the time (quadratic is 16x). */
function expectLinear(
  parse: (text: string) => unknown,
  build: (size: number) => string,
  label: string,
): void {
  const small = build(ONE_MB / 4);
  const large = build(ONE_MB);
  const smallMs = fastest(() => parse(small));
  const largeMs = fastest(() => parse(large));
  expect(largeMs, label).toBeLessThan(BOUND_MS);
  if (largeMs > NOISE_FLOOR_MS) expect(largeMs / Math.max(smallMs, 1), label).toBeLessThan(8);
}

describe('reply parsers on adversarial replies of 1 MB', () => {
  for (const [shape, build] of Object.entries(REPLY_SHAPES)) {
    it(`${shape}: fences, prose and FINAL are found in linear time`, () => {
      const reply = build(ONE_MB);
      expect(reply.length).toBeGreaterThan(ONE_MB * 0.99);
      expectLinear(extractFencedBlocks, build, 'extractFencedBlocks');
      expectLinear(removeFencedBlocks, build, 'removeFencedBlocks');
      expectLinear(findFinalInProse, build, 'findFinalInProse');
      const blocks = { value: extractFencedBlocks(reply) };
      const prose = { value: removeFencedBlocks(reply) };
      const final = { value: findFinalInProse(reply) };
      // And the results are the right ones, not just fast.
      const misplaced = blocks.value.filter(
        (block) => !(block.start <= block.end && reply.slice(block.start, block.end).includes(block.code)),
      );
      expect(misplaced).toEqual([]);
      expect(prose.value.length).toBeLessThanOrEqual(reply.length);
      if (final.value) expect(reply).toContain(final.value.argument);
    });
  }

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

  it('unquote is linear on long escaped strings', () => {
    const escaped = (size: number) => `"${'\\"'.repeat(size / 2)}"`;
    expectLinear(unquote, escaped, 'unquote');
    const text = escaped(ONE_MB);
    const value = unquote(text);
    expect(value.length).toBe(text.length - 2);
    expect(unquote(`"${'\\'.repeat(1001)}"`)).toBe(`"${'\\'.repeat(1001)}"`);
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

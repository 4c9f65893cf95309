import { testTool } from '@rlm/core/testing/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { createGrepTool, type GrepResult } from './grep-tool';

testTool('grep', {
  createTool: () => createGrepTool(),
  validCall: { parameters: { pattern: 'refund', flags: 'i', contextLines: 1 }, context: 'a\nRefund here\nb' },
  invalidCalls: [
    { parameters: { pattern: '(' }, context: 'text' },
    { parameters: { pattern: '' }, context: 'text' },
    { parameters: { pattern: 'a', maxMatches: 0 }, context: 'text' },
    { parameters: { pattern: 'a', flags: 'g' }, context: 'text' },
    { parameters: { pattern: 'a', unknown: true }, context: 'text' },
    { parameters: { pattern: 'a' }, context: { rows: [1, 2] } },
    { parameters: { pattern: 'a' }, context: [1, 2] },
    { parameters: null, context: 'text' },
  ],
  bigContextMs: 20_000,
  cleanup: async (tools) => {
    for (const tool of tools) await (tool as ReturnType<typeof createGrepTool>).dispose();
  },
});

const grep = createGrepTool({ timeoutMs: 1_000, maxLineChars: 40 });
afterAll(() => grep.dispose());
const run = (parameters: Record<string, unknown>, context: unknown) =>
  grep.execute(parameters as never, {
    abortSignal: new AbortController().signal,
    context: context as never,
    depth: 0,
  }) as Promise<unknown> as Promise<GrepResult>;

describe('grep', () => {
  it('returns matching lines with 1-based line numbers, the match offset and the lines around', async () => {
    const result = await run({ pattern: 'b+', contextLines: 1 }, 'a\nxbb\nc\r\nbd');
    expect(result).toEqual({
      matches: [
        { lineNumber: 2, line: 'xbb', offset: 3, before: ['a'], after: ['c'] },
        { lineNumber: 4, line: 'bd', offset: 9, before: ['c'], after: [] },
      ],
      totalMatches: 2,
      truncated: false,
    });
  });

  it('counts every matching line but returns at most maxMatches', async () => {
    const context = Array.from({ length: 1_000 }, (_, i) => `line ${i}`).join('\n');
    const result = await run({ pattern: '7', maxMatches: 3 }, context);
    expect(result.matches.map((match) => match.lineNumber)).toEqual([8, 18, 28]);
    expect(result.totalMatches).toBe(context.split('\n').filter((line) => line.includes('7')).length);
    expect(result.truncated).toBe(true);
  });

  it('cuts long lines around the match', async () => {
    const line = `${'x'.repeat(500)}NEEDLE${'y'.repeat(500)}`;
    const [match] = (await run({ pattern: 'NEEDLE' }, line)).matches;
    expect(match!.line).toContain('NEEDLE');
    expect(match!.line.length).toBeLessThanOrEqual(42);
    expect(match!.line.startsWith('…')).toBe(true);
    expect(match!.line.endsWith('…')).toBe(true);
    expect(match!.offset).toBe(500);
  });

  it('names the document (index and path) for a list of documents', async () => {
    const result = await run({ pattern: 'needle' }, [
      'hay',
      { path: 'src/a.ts', text: 'hay\nneedle' },
      { content: 'needle', name: 'b' },
      'needle',
    ]);
    expect(result.matches).toEqual([
      { lineNumber: 2, line: 'needle', offset: 4, document: 1, path: 'src/a.ts' },
      { lineNumber: 1, line: 'needle', offset: 0, document: 2, path: 'b' },
      { lineNumber: 1, line: 'needle', offset: 0, document: 3 },
    ]);
  });

  it('searches the context of each call: a new context replaces the one the worker holds', async () => {
    expect((await run({ pattern: 'one' }, 'one\ntwo')).totalMatches).toBe(1);
    expect((await run({ pattern: 'one' }, 'two\nthree')).totalMatches).toBe(0);
    expect((await run({ pattern: 'one' }, ['one', 'one'])).totalMatches).toBe(2);
  });

  it('keeps the right context per call while several contexts take turns (two stay warm)', async () => {
    const contexts = ['one\nx', 'x\none\none', ['one', 'one one', 'one'], 'none here'];
    for (let round = 0; round < 3; round++) {
      const counts = await Promise.all(
        contexts.map(async (context) => (await run({ pattern: '^one' }, context)).totalMatches),
      );
      expect(counts).toEqual([1, 2, 3, 0]);
    }
  });

  it('stops a catastrophic pattern at its time budget with an error that says why, and goes on', async () => {
    const started = performance.now();
    await expect(run({ pattern: '(a+)+$' }, `${'a'.repeat(5_000)}b`)).rejects.toThrow(
      /ran for more than 1 s and was stopped.*Nested quantifiers/,
    );
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await run({ pattern: 'b$' }, `${'a'.repeat(5_000)}b`)).totalMatches).toBe(1);
  });

  it('keeps the host responsive while a pattern runs (it runs in a worker thread)', async () => {
    // A pattern run on the host's own thread would block it for the whole 2 s budget; the bound is
    // half that, generous for a loaded 2-core machine running other test files.
    const slow = createGrepTool({ timeoutMs: 2_000 });
    let worstLag = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last - 5);
      last = now;
    }, 5);
    const call = slow.execute(
      { pattern: '(a+)+$' },
      { abortSignal: new AbortController().signal, context: `${'a'.repeat(5_000)}b`, depth: 0 },
    );
    await expect(call).rejects.toThrow(/stopped/);
    clearInterval(ticker);
    await slow.dispose();
    expect(worstLag).toBeLessThan(1_000);
  });

  it('refuses JSON data with a message that says what to do instead', async () => {
    await expect(run({ pattern: 'a' }, { a: 'b' })).rejects.toThrow(/not text.*filter `context` with code/);
    await expect(run({ pattern: 'a' }, ['a', { n: 1 }])).rejects.toThrow(/context\[1\] is an object/);
  });
});

describe('grep against a plain per-line reference', () => {
  const reference = (pattern: string, flags: string, text: string) => {
    const regex = new RegExp(pattern, flags);
    let offset = 0;
    const found: { lineNumber: number; offset: number }[] = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      const match = regex.exec(line);
      if (match) found.push({ lineNumber: i + 1, offset: offset + match.index });
      offset += raw.length + 1;
    });
    return found;
  };
  const words = ['alpha', 'beta', 'gamma', '', ' ', 'ab', 'a\tb', 'Zürich', '42', 'x'];
  let seed = 1;
  const random = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  const text = (crlf: boolean) =>
    Array.from({ length: 400 }, () =>
      Array.from({ length: Math.floor(random() * 5) }, () => words[Math.floor(random() * words.length)]).join(
        ' ',
      ),
    ).join(crlf ? '\r\n' : '\n');
  const patterns: [string, string][] = [
    ['a', ''],
    ['^', ''],
    ['$', ''],
    ['^$', ''],
    ['a$', ''],
    ['^beta', 'i'],
    ['\\s+$', ''],
    ['a\\s+b', ''],
    ['[^a]+', ''],
    ['(?<=a)b', ''],
    ['b(?!e)', ''],
    ['x*', ''],
    ['ZÜRICH', 'iu'],
    ['.\\n?.', 's'],
    ['\\bgamma\\b', ''],
    ['(a|b)\\1', ''],
  ];
  for (const crlf of [false, true]) {
    it(`gives the same lines and offsets for ${patterns.length} patterns (${crlf ? 'CRLF' : 'LF'})`, async () => {
      const context = text(crlf);
      for (const [pattern, flags] of patterns) {
        const result = await run({ pattern, flags, maxMatches: 10_000 }, context);
        const expected = reference(pattern, flags, context);
        expect(
          result.matches.map(({ lineNumber, offset }) => ({ lineNumber, offset })),
          `/${pattern}/${flags}`,
        ).toEqual(expected);
        expect(result.totalMatches).toBe(expected.length);
      }
    });
  }
});

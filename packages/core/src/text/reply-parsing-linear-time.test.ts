import { describe, expect, it } from 'vitest';
import { REPLY_SHAPES } from '../../bench/reply-shapes';
import { extractFencedBlocks, removeFencedBlocks } from './extract-code-blocks';
import { findFinalInProse, unquote } from './find-final-in-prose';

/*
 * Finding 7 of issue 8: a model's reply is untrusted text, and its parsers must be linear. At 1 MB a
 * quadratic parser takes minutes (the regex ones took 21 s at 100 kB), so a bound of 2 s cannot
 * flake on a loaded machine, yet fails for any super-linear parser. (What the parsers find in these
 * replies: reply-parsing-adversarial. Mutation testing leaves this file out: instrumented, the
 * parsers are many times slower.)
 */
const ONE_MB = 1_048_576;
const BOUND_MS = 2_000;

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

describe('reply parsers on adversarial replies of 1 MB', () => {
  for (const [shape, build] of Object.entries(REPLY_SHAPES)) {
    it(`${shape}: fences, prose and FINAL are found in well under ${BOUND_MS} ms`, () => {
      const reply = build(ONE_MB);
      expect(reply.length).toBeGreaterThan(ONE_MB * 0.99);
      const blocks = timed(() => extractFencedBlocks(reply));
      const prose = timed(() => removeFencedBlocks(reply));
      const final = timed(() => findFinalInProse(reply));
      expect(blocks.ms).toBeLessThan(BOUND_MS);
      expect(prose.ms).toBeLessThan(BOUND_MS);
      expect(final.ms).toBeLessThan(BOUND_MS);
      // And the results are the right ones, not just fast.
      const misplaced = blocks.value.filter(
        (block) => !(block.start <= block.end && reply.slice(block.start, block.end).includes(block.code)),
      );
      expect(misplaced).toEqual([]);
      expect(prose.value.length).toBeLessThanOrEqual(reply.length);
      if (final.value) expect(reply).toContain(final.value.argument);
    });
  }

  it('unquote is linear on long escaped strings', () => {
    const text = `"${'\\"'.repeat(ONE_MB / 2)}"`;
    const { value, ms } = timed(() => unquote(text));
    expect(ms).toBeLessThan(BOUND_MS);
    expect(value.length).toBe(text.length - 2);
    expect(unquote(`"${'\\'.repeat(1001)}"`)).toBe(`"${'\\'.repeat(1001)}"`);
  });
});

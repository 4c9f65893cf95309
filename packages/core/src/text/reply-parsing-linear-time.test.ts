import { describe, expect, it } from 'vitest';
import { REPLY_SHAPES } from '../../bench/reply-shapes';
import { extractFencedBlocks, removeFencedBlocks } from './extract-code-blocks';
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

  it('unquote is linear on long escaped strings', () => {
    const escaped = (size: number) => `"${'\\"'.repeat(size / 2)}"`;
    expectLinear(unquote, escaped, 'unquote');
    const text = escaped(ONE_MB);
    const value = unquote(text);
    expect(value.length).toBe(text.length - 2);
    expect(unquote(`"${'\\'.repeat(1001)}"`)).toBe(`"${'\\'.repeat(1001)}"`);
  });
});

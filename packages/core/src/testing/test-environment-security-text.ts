import { expect } from 'vitest';
import { expectSessionUnharmed, type SecurityCheck } from './test-environment-security-kit';

// Text the host must carry exactly.

/** Lone surrogates, a NUL, line and paragraph separators and an astral pair, as JavaScript source. */
const ODD_TEXT_SOURCE = String.raw`'lone \ud800 high, lone \udc00 low, nul \u0000 byte, separators \u2028 \u2029, pair \ud83d\ude80, quote " backslash \\ end'`;
const ODD_TEXT =
  'lone \ud800 high, lone \udc00 low, nul \u0000 byte, separators \u2028 \u2029, pair 🚀, quote " backslash \\ end';

export const TEXT_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'lone surrogates, NUL bytes and line separators come through stdout, stderr, value, errors and FINAL exactly',
    catches: { textsThroughUtf8: /odd text changed on the way/ },
    async run(kit) {
      const session = await kit.open();
      const printed = await session.run(
        `const odd = ${ODD_TEXT_SOURCE};\nconsole.log(odd);\nconsole.error(odd);\nFINAL(odd);\nodd`,
      );
      expect(printed.error).toBeUndefined();
      expect(printed.stdout, 'odd text changed on the way through stdout').toBe(`${ODD_TEXT}\n`);
      expect(printed.stderr, 'odd text changed on the way through stderr').toBe(`${ODD_TEXT}\n`);
      expect(printed.final?.value, 'odd text changed on the way through FINAL').toBe(ODD_TEXT);
      expect(printed.value, 'odd text changed on the way through the value').toBe(JSON.stringify(ODD_TEXT));
      const thrown = await session.run('throw new Error(odd);');
      expect(thrown.error?.message, 'odd text changed on the way through an error').toBe(ODD_TEXT);
      const thrownText = await session.run('throw odd;');
      expect(thrownText.error?.message).toContain('nul');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'the cap cuts between the halves of a surrogate pair without breaking the transfer',
    catches: {
      textsThroughUtf8: /the output cut inside a surrogate pair/,
      uncappedOutput: /the output cut inside a surrogate pair/,
    },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('🚀'.repeat(10));", { maxOutputChars: 5 });
      expect(result.error).toBeUndefined();
      expect(result.stdout, 'the output cut inside a surrogate pair').toBe('🚀🚀\ud83d');
      expect(result.droppedOutputChars).toBe(21 - 5);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'strings whose JSON is far longer than the cap come through whole when they fit it',
    catches: { capCountsJson: /output that fits the cap was cut/ },
    async run(kit) {
      const session = await kit.open();
      // Three characters that JSON writes as ten: \" \\ \u0000.
      const result = await session.run(
        "const heavy = '\"\\\\\\u0000'.repeat(200_000);\nconsole.log(heavy);\nFINAL(heavy);",
        { maxOutputChars: 1_000_000 },
      );
      const heavy = '"\\\u0000'.repeat(200_000);
      expect(result.error).toBeUndefined();
      expect(result.stdout.length, 'output that fits the cap was cut').toBe(heavy.length + 1);
      expect(result.stdout).toBe(`${heavy}\n`);
      expect(result.droppedOutputChars).toBe(0);
      expect(result.final?.value).toBe(heavy);
      await expectSessionUnharmed(session);
    },
  },
];

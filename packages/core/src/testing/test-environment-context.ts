import { describe, expect, it } from 'vitest';
import type { ContextValue } from '../environment/context-value';
import type { ConformanceSession, OpenSessionOptions } from './test-environment-session';

/**
 * Contexts of every shape a user may hand the RLM, each of which must reach the cell exactly as
 * given: lists of strings with control characters, NUL, astral characters, empty strings and lone
 * surrogates, and JSON values that are not strings or lists.
 */
const EXACT_CONTEXTS: readonly ContextValue[] = [
  [],
  [''],
  ['a\u0001b', 'c\u0002', '\u0003'],
  ['\u0001', '\u0002', '\u0003', '\u001e', '\u001f'],
  ['x\u0000y', 'z'],
  ['é€🚀', '', 'end'],
  ['lone \ud800'],
  'with a \u0000 NUL and é€🚀',
  42,
  null,
];

/**
 * Checks that `context` is bound to what the session was created with, exactly: strings, lists of
 * strings and JSON data, small and 10 MB, whatever characters they hold.
 */
export function describeContextConformance(
  open: (options?: OpenSessionOptions) => Promise<ConformanceSession>,
): void {
  describe('context', () => {
    it('binds a string context', async () => {
      const { ok } = await open({ context: 'Zürich — 東京 🚀\nline two' });
      const result = await ok('console.log(typeof context, context.length, context.split("\\n")[1])');
      expect(result.stdout).toBe(`string ${'Zürich — 東京 🚀\nline two'.length} line two\n`);
    });

    it('binds an array of strings', async () => {
      const { ok } = await open({ context: ['first doc', 'second doc', 'third'] });
      const result = await ok('console.log(Array.isArray(context), context.length, context[1])');
      expect(result.stdout).toBe('true 3 second doc\n');
    });

    it('binds a JSON object with nested data', async () => {
      const { ok } = await open({
        context: {
          users: [
            { name: 'ada', tags: ['math', 'engines'] },
            { name: 'alan', tags: [] },
          ],
          n: null,
        },
      });
      const result = await ok(
        'console.log(context.users[0].tags[1], context.users.length, context.n === null)',
      );
      expect(result.stdout).toBe('engines 2 true\n');
    });

    it('binds a 10 MB string context exactly', async () => {
      const text = `${'abcdefghi\n'.repeat(1_000_000)}é€🚀\u0000end`;
      const { ok } = await open({ context: text });
      const result = await ok('console.log(context.length, context.slice(-8), context.indexOf("é"))');
      expect(result.stdout).toBe(`${text.length} ${text.slice(-8)} ${text.indexOf('é')}\n`);
    });

    it('passes every kind of context exactly, whatever characters it holds', async () => {
      for (const context of EXACT_CONTEXTS) {
        const { ok } = await open({ context });
        const result = await ok('JSON.stringify(context)');
        expect(result.value, `the context ${JSON.stringify(context)}`).toBe(
          JSON.stringify(JSON.stringify(context)),
        );
      }
    });

    it('passes a string with a lone surrogate and a NUL code unit for code unit', async () => {
      const { ok } = await open({ context: 'a\ud800b\u0000c' });
      const result = await ok('[context.length, context.charCodeAt(1), context.charCodeAt(3)].join()');
      expect(result.value).toBe('"5,55296,0"');
    });

    it('passes an object whose prototype was set by its literal without polluting the sandbox', async () => {
      const context = { users: [{ name: 'ada', tags: ['x'] }], n: null, __proto__: { polluted: true } };
      const { ok } = await open({ context: context as ContextValue });
      expect((await ok('JSON.stringify(context)')).value).toBe(JSON.stringify(JSON.stringify(context)));
      expect((await ok('({}).polluted')).value).toBeUndefined();
    });
  });
}

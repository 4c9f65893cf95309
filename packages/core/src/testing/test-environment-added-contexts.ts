import { describe, expect, it } from 'vitest';
import type { ReplSession } from '../environment/repl-environment';
import type { ConformanceSession, OpenSessionOptions } from './test-environment-session';

/** Names `addContext` must refuse: the REPL's own, the host functions, the kit's, and non-identifiers. */
const REFUSED_NAMES = [
  'context',
  'FINAL',
  'FINAL_VAR',
  'SHOW_VARS',
  'console',
  'llm_query',
  'echo',
  '__rlm_bind_added',
  '__rlm_added_value',
  '',
  'two words',
  '1st',
  'a.b',
] as const;

/**
 * Checks `ReplSession.addContext` (optional in the contract; skipped when the session lacks it):
 * the value is bound exactly, persists and is restored like `context`, replaces an earlier variable
 * or value of its name, and can never take a name the REPL reserves.
 */
export function describeAddedContextConformance(
  open: (options?: OpenSessionOptions) => Promise<ConformanceSession>,
  memoryLimit: boolean,
): void {
  const openWithAddContext = async (
    skip: () => void,
    options?: OpenSessionOptions,
  ): Promise<ConformanceSession & { readonly add: Required<ReplSession>['addContext'] }> => {
    const opened = await open(options);
    const { session } = opened;
    if (session.addContext === undefined) skip();
    return { ...opened, add: (name, value) => session.addContext!(name, value) };
  };

  describe('addContext', () => {
    it('binds later contexts next to `context`, which stays as it was', async ({ skip }) => {
      const { ok, add } = await openWithAddContext(skip);
      await ok('const seen = context.length;');
      await add('context_1', ['doc a', 'doc b']);
      await add('context_2', { n: 2, list: [null, 'é€🚀'] });
      const result = await ok(
        'console.log(context.length, seen, context_1[1], context_2.n, context_2.list[1])',
      );
      expect(result.stdout).toBe('44 44 doc b 2 é€🚀\n');
    });

    it('binds a 1 MB string exactly', async ({ skip }) => {
      const { ok, add } = await openWithAddContext(skip);
      const text = `${'0123456789'.repeat(100_000)}\u0000end`;
      await add('context_1', text);
      const result = await ok('console.log(context_1.length, context_1.slice(-4) === "\\u0000end")');
      expect(result.stdout).toBe(`${text.length} true\n`);
    });

    it('is reserved: a cell that assigns it gets it back afterwards; SHOW_VARS leaves it out', async ({
      skip,
    }) => {
      const { ok, add } = await openWithAddContext(skip);
      await add('history', [{ question: 'q1', answer: 'a1' }]);
      expect((await ok('history = "mine"; history')).value).toBe('"mine"');
      expect((await ok('history[0].answer')).value).toBe('"a1"');
      await ok('const mine = 1;');
      const shown = await ok('SHOW_VARS()');
      expect(`${shown.stdout}${shown.value ?? ''}`).not.toMatch(/history/);
      const final = await ok('FINAL_VAR("history")');
      expect(final.final?.value).toContain('a1');
    });

    it('replaces a value added before, and an earlier variable of the same name', async ({ skip }) => {
      const { ok, add } = await openWithAddContext(skip);
      await ok('var context_1 = "a variable"; let kept = 7;');
      await add('context_1', 'first');
      expect((await ok('context_1')).value).toBe('"first"');
      await add('context_1', 'second');
      expect((await ok('[context_1, kept]')).value).toMatch(/"second",\s*7/);
    });

    it('refuses names the REPL reserves, and the REPL functions keep working', async ({ skip }) => {
      const { ok, add } = await openWithAddContext(skip);
      for (const name of REFUSED_NAMES) {
        await expect(add(name, 'hijack'), name).rejects.toThrow(/reserve|identifier/i);
      }
      const result = await ok(
        'console.log(context.length, typeof FINAL, typeof llm_query, await echo(1).then((r) => r.args[0]))',
      );
      expect(result.stdout).toBe('44 function function 1\n');
    });

    it('gives model code no way to bind names or reach the values source', async ({ skip }) => {
      const { run, ok, add } = await openWithAddContext(skip);
      await add('context_1', 'added');
      expect((await ok('typeof __rlm_added_value')).value).toBe('"undefined"');
      for (const name of ['llm_query', 'FINAL', 'context', 'never_added']) {
        const result = await run(`await __rlm_bind_added(${JSON.stringify(name)})`);
        expect(result.error, name).toBeDefined();
      }
      const after = await ok('[context.length, typeof llm_query, context_1, typeof never_added]');
      expect(after.value).toMatch(/44,\s*"function",\s*"added",\s*"undefined"/);
    });

    it('is queued like a cell: a cell before it does not see it, a cell after it does', async ({ skip }) => {
      const { session, add } = await openWithAddContext(skip);
      const before = session.runCell("await llm_query('wait'); typeof context_1");
      const adding = add('context_1', 'now');
      const after = session.runCell('context_1');
      expect((await before).value).toBe('"undefined"');
      await adding;
      expect((await after).value).toBe('"now"');
    });

    it('rejects once the session was disposed', async ({ skip }) => {
      const { session, add } = await openWithAddContext(skip);
      await session.dispose();
      await expect(add('context_1', 'late')).rejects.toThrow(/dispose/i);
    });

    it.skipIf(!memoryLimit)(
      'binds the added values again when the sandbox is replaced, and says they are back',
      async ({ skip }) => {
        const { run, ok, add } = await openWithAddContext(skip);
        await add('context_1', 'still here');
        await ok('const lost = 1;');
        const bomb = await run(
          'const buffers = [];\nwhile (true) buffers.push(new Uint8Array(1024 * 1024));',
          { timeoutMs: 60_000 },
        );
        if (bomb.stateLost === undefined) return; // This engine kept the sandbox: nothing to rebind.
        expect(bomb.stateLost).toMatch(/context_1/);
        expect((await ok('[context_1, typeof lost]')).value).toMatch(/"still here",\s*"undefined"/);
      },
      90_000,
    );
  });
}

import { rewriteJavaScriptCell } from '@rlm/core';
import type { Isolate, Reference } from 'isolated-vm';
import { describe, expect, it } from 'vitest';
import { IsolatedVMSandbox, parseArgumentList } from './isolated-vm-sandbox';
import { loadIsolatedVM } from './load-isolated-vm';

/** The private parts of a sandbox these tests look at. */
interface SandboxInternals {
  readonly isolate: Isolate;
  readonly references: Reference[];
}

async function createSandbox() {
  const signals: AbortSignal[] = [];
  const sandbox = await IsolatedVMSandbox.create(
    await loadIsolatedVM(),
    { memoryLimitMb: 64 },
    {
      context: ['a', 'b'],
      hostFunctions: {
        llm_query: async ([prompt]) => `answer:${String(prompt)}`,
        never: (_args, { signal }) => {
          signals.push(signal);
          return new Promise(() => {});
        },
      },
    },
  );
  return { sandbox, signals, internals: sandbox as unknown as SandboxInternals };
}

function cell(code: string) {
  const rewritten = rewriteJavaScriptCell(code);
  if (!rewritten.ok) throw new Error(`does not parse: ${code}`);
  return rewritten;
}

const cellOptions = { fileName: 'cell-1.js', timeoutMs: 5_000, maxOutputChars: 10_000 };

describe('isolated-vm sandbox', () => {
  it('releases the isolate, every reference and every host call on dispose', async () => {
    const { sandbox, signals, internals } = await createSandbox();
    const outcome = await sandbox.runCell(
      cell("globalThis.pending = never('x');\nawait llm_query('q')"),
      cellOptions,
    );
    expect(outcome.value).toBe('"answer:q"');
    const references = [...internals.references];
    // The driver's run, settle, finish, readFinished, beginDrain and endDrain.
    expect(references.map((reference) => reference.typeof)).toEqual(Array(6).fill('function'));
    expect(internals.isolate.isDisposed).toBe(false);
    const running = sandbox.runCell(cell("await never('y')"), { ...cellOptions, fileName: 'cell-2.js' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    sandbox.dispose();
    sandbox.dispose();
    const stopped = await running;
    expect(stopped.error?.kind).toBe('aborted');
    expect(internals.isolate.isDisposed).toBe(true);
    expect(internals.references).toEqual([]);
    for (const reference of references) expect(() => reference.typeof).toThrow();
    expect(() => internals.isolate.getHeapStatisticsSync()).toThrow(/disposed/);
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
  });

  it('gives a syntax error that only V8 finds its line and column', async () => {
    const { sandbox } = await createSandbox();
    try {
      // acorn would refuse this; the sandbox is handed it directly to reach V8's own check.
      const outcome = await sandbox.runCell(
        { ok: true, code: 'var x = 1;\nvar y = );', declaredNames: [], firstLineColumnOffset: 0 },
        { ...cellOptions, fileName: 'cell-9.js' },
      );
      expect(outcome.error).toMatchObject({
        kind: 'syntax',
        name: 'SyntaxError',
        message: "Unexpected token ')'",
        line: 2,
        column: 9,
      });
      expect(outcome.broken).toBeUndefined();
    } finally {
      sandbox.dispose();
    }
  });
});

describe('parseArgumentList', () => {
  it('gives exactly what JSON.parse gives, through the fast path or not', () => {
    const lists: unknown[][] = [
      ['plain text'],
      [''],
      ['with "quotes"'],
      ['back\\slash'],
      ['new\nline', 'two'],
      ['\u0001 control'],
      ['lone \ud800 surrogate'],
      ['é€🚀'],
      ['a', 'b'],
      ['","'],
      [1, null, { a: ['x'] }],
      [],
      ['ends with a quote"'],
    ];
    for (const list of lists) {
      const json = JSON.stringify(list);
      expect(parseArgumentList(json)).toEqual(JSON.parse(json));
    }
    expect(parseArgumentList('{"not":"a list"}')).toEqual({ not: 'a list' });
    expect(parseArgumentList('"["')).toBe('[');
  });

  it('slices long strings out in every position, and gives what JSON.parse gives', () => {
    const long = (fill: string) => fill.repeat(70_000);
    const values: unknown[] = [
      [long('x')],
      [1, long('y')],
      [long('a'), long('b'), 'short', null],
      [{ prompt: long('p'), model: 'm' }, ['nested', long('n')]],
      [{ [long('k')]: 'a long key' }],
      [long('q'), 'with "quotes" and \\ backslash'],
      [long('é'), '🚀'],
      [long('x'), ...Array.from({ length: 200_000 }, (_, i) => i)],
      ['\u0000 a NUL, escaped', long('z')],
    ];
    for (const value of values) {
      for (const json of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
        expect(parseArgumentList(json)).toEqual(JSON.parse(json));
      }
    }
    const unterminated = `["${long('u')}`;
    expect(() => parseArgumentList(unterminated)).toThrow(SyntaxError);
  });
});

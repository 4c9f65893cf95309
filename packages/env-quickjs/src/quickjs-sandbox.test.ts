import debugVariant from '@jitl/quickjs-wasmfile-debug-sync';
import { rewriteJavaScriptCell } from '@rlm/core/environment';
import { describe, expect, it } from 'vitest';
import { QuickJSLocalSandbox } from './quickjs-local-sandbox';
import { QuickJSSandbox } from './quickjs-sandbox';

describe('QuickJS sandbox', () => {
  // The debug build's leak sanitizer cannot survive running out of memory, so that path is left to
  // the environment's tests.
  it('frees every QuickJS handle it made, whatever the cells did (checked by the debug build)', async () => {
    let release: ((value: string) => void) | undefined;
    const sandbox = await QuickJSLocalSandbox.create(
      { memoryLimitBytes: 1024 * 1024 * 1024, maxStackSizeBytes: 256 * 1024, variant: debugVariant },
      {
        context: { docs: ['a', 'b'] },
        hostFunctions: {
          llm_query: async ([prompt]) => `answer:${String(prompt)}`,
          fail: async () => {
            throw new Error('no');
          },
          slow: () =>
            new Promise<string>((resolve) => {
              release = resolve;
            }),
        },
      },
    );
    const cells = [
      '1 + 1',
      '({ a: [1, 2], b: new Map([[1, 2]]) })',
      'null.x',
      "const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => llm_query('q' + i)));\nanswers.length",
      'try { await fail(); } catch (e) { console.error(e.message); }\nawait fail();',
      "globalThis.pending = slow('x');\nFINAL_VAR('answers');",
      'while (true) {}',
      'await null;\nwhile (true) {}',
      "await slow('y');",
      'throw { weird: true };',
      'context = 1; console.log(SHOW_VARS());',
      'const = 1',
    ];
    const kinds: (string | undefined)[] = [];
    for (const [index, code] of cells.entries()) {
      const rewritten = rewriteJavaScriptCell(code);
      if (!rewritten.ok) {
        kinds.push('syntax');
        continue;
      }
      const outcome = await sandbox.runCell(rewritten, {
        fileName: `cell-${index + 1}.js`,
        timeoutMs: 300,
        maxOutputChars: 10_000,
      });
      expect(outcome.broken).toBeUndefined();
      kinds.push(outcome.error?.kind);
    }
    release?.('"late"');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(kinds).toEqual([
      undefined,
      undefined,
      'runtime',
      undefined,
      'runtime',
      undefined,
      'timeout',
      'timeout',
      'timeout',
      'runtime',
      undefined,
      'syntax',
    ]);
    sandbox.dispose();
    expect(sandbox.disposeError).toBeUndefined();
  }, 60_000);
});

describe('QuickJS sandbox prepared ahead', () => {
  const limits = {
    memoryLimitBytes: 256 * 1024 * 1024,
    maxStackSizeBytes: 256 * 1024,
    variant: debugVariant,
  };
  const link = { startHostCall: () => undefined };

  it('frees every handle when disposed without ever being started (checked by the debug build)', async () => {
    const sandbox = await QuickJSSandbox.prepare(limits, link);
    sandbox.dispose();
    expect(sandbox.disposeError).toBeUndefined();
  });

  it('starts once with its context and host functions, and refuses a second start', async () => {
    const sandbox = await QuickJSSandbox.prepare(limits, link);
    await sandbox.start({ context: 'prepared', hostFunctionNames: ['llm_query'] });
    const rewritten = rewriteJavaScriptCell('context + " " + typeof llm_query');
    if (!rewritten.ok) throw new Error('the cell did not parse');
    const outcome = await sandbox.runCell(rewritten, {
      fileName: 'cell.js',
      timeoutMs: 1_000,
      maxOutputChars: 1_000,
    });
    expect(outcome.value).toBe('"prepared function"');
    await expect(sandbox.start({ context: 'again', hostFunctionNames: [] })).rejects.toThrow(
      /started already/,
    );
  });
});

describe('QuickJS sandbox leak check', () => {
  it('does report a leaked handle, so the check above means something', async () => {
    const sandbox = await QuickJSLocalSandbox.create(
      { memoryLimitBytes: 1024 * 1024 * 1024, maxStackSizeBytes: 256 * 1024, variant: debugVariant },
      { context: '', hostFunctions: {} },
    );
    (sandbox as unknown as { sandbox: { context: { newObject(): unknown } } }).sandbox.context.newObject();
    sandbox.dispose();
    expect(String(sandbox.disposeError)).toMatch(/Assertion failed|leak/i);
  });
});

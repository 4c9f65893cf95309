import { rewriteJavaScriptCell } from '@rlm/core/environment';
import type { Isolate, Reference } from 'isolated-vm';
import { describe, expect, it } from 'vitest';
import { ISOLATED_VM_DRIVER_SOURCE } from './isolated-vm-driver-source';
import { IsolatedVMSandbox } from './isolated-vm-sandbox';
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

  it('runs at most 32 calls and 64 Mi characters of arguments at once on the host, whatever reaches it', async () => {
    const { sandbox, signals } = await createSandbox();
    const internals = sandbox as unknown as {
      running?: { id: number };
      startHostCall(cellId: unknown, callId: unknown, name: unknown, argsJson: unknown): void;
    };
    try {
      const running = sandbox.runCell(cell("await never('the cell waits')"), cellOptions);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const cellId = internals.running?.id;
      expect(signals).toHaveLength(1);
      // As if the prelude's and the driver's gates were both gone: calls the isolate never counted.
      internals.startHostCall(cellId, 10_000, 'never', JSON.stringify(['x'.repeat(64 * 1024 * 1024)]));
      expect(signals).toHaveLength(1);
      for (let id = 10_001; id < 10_100; id++) internals.startHostCall(cellId, id, 'never', '["y"]');
      // Host functions start on a microtask, never inside the call that reached the host.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(signals).toHaveLength(32);
      sandbox.stop('aborted');
      expect((await running).error?.kind).toBe('aborted');
    } finally {
      sandbox.dispose();
    }
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

describe('the driver, behind a prelude that removes nothing and gates nothing', () => {
  /** A stand-in prelude that leaves every global in place and hands the bridge to model code. */
  const LEAKY_PRELUDE = `(function (bridge, options) {
    globalThis.leakedBridge = bridge;
    return {
      beginCell() {},
      endCell() { return '{"stdout":"","stderr":"","droppedOutputChars":0,"final":null}'; },
      dropCalls() { return 0; },
      formatValue(value) { return String(value); },
      describeError(error) { return { name: 'Error', message: String(error && error.message), stack: '' }; },
    };
  })`;

  it('removes the task-posting globals itself, refuses resizable buffers, and caps calls and characters in flight', async () => {
    const ivm = await loadIsolatedVM();
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    try {
      const context = await isolate.createContext();
      const prelude = await context.eval(LEAKY_PRELUDE, { reference: true });
      const factory = await context.eval(ISOLATED_VM_DRIVER_SOURCE, { reference: true });
      const started: number[] = [];
      const startHostCall = new ivm.Callback(
        (_cell: number, _id: number, _name: string, argsJson: string) => {
          started.push(argsJson.length);
        },
      );
      const driver = (await factory.apply(
        undefined,
        [prelude.derefInto(), startHostCall, new ivm.Callback(() => {}), '[]', 'value', '', ''],
        { result: { reference: true } },
      )) as Reference<Record<string, unknown>>;
      const run = (await driver.get('run', { reference: true })) as Reference<(...args: unknown[]) => void>;
      const evaluate = (code: string) => context.eval(code, { copy: true });
      expect(
        await evaluate(
          '[typeof WebAssembly, typeof FinalizationRegistry, typeof Atomics.wait, typeof Atomics.waitAsync].join()',
        ),
      ).toBe('undefined,undefined,undefined,undefined');
      expect(
        await evaluate(
          "try { new ArrayBuffer(1, { maxByteLength: 2 }); 'created' } catch (e) { e.name + ': ' + e.message.slice(0, 60) }",
        ),
      ).toBe('RangeError: ArrayBuffer: resizable buffers (the maxByteLength option) ar');
      // A cell that floods the bridge directly: the driver hands the host 32 calls, then refuses.
      await run.apply(
        undefined,
        [
          1,
          "globalThis.refusals = [];\nfor (let i = 0; i < 1000; i++) { try { leakedBridge.hostCall('f', '[1]'); } catch (e) { refusals.push(e.message); } }",
          1000,
        ],
        {},
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(started.length).toBe(32);
      expect(await evaluate('refusals.length')).toBe(968);
      expect(await evaluate('refusals[0]')).toMatch(
        /^f: 32 host calls are already with the host, the most this sandbox allows at once/,
      );
      // A new cell starts from nothing in flight; one call may carry at most 64 Mi characters.
      await run.apply(
        undefined,
        [
          2,
          "try { leakedBridge.hostCall('f', 'x'.repeat(64 * 1024 * 1024 + 1)); globalThis.big = 'sent'; } catch (e) { globalThis.big = e.message; }",
          1000,
        ],
        {},
      );
      expect(await evaluate('big')).toMatch(
        /^f: the arguments are 67108865 characters of JSON, and 0 are already with the host; at most 67108864 may be at once/,
      );
      expect(started.length).toBe(32);
    } finally {
      isolate.dispose();
    }
  });
});

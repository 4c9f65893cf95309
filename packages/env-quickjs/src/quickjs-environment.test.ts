import { InvalidArgumentError, type ReplSession, SandboxError } from '@rlm/core';
import { testEnvironment } from '@rlm/core/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { createQuickJSEnvironment, type QuickJSEnvironmentOptions } from './quickjs-environment';
import { quickJSWorkers } from './quickjs-worker-pool';

const MEMORY_LIMIT_BYTES = 128 * 1024 * 1024;

testEnvironment(() => createQuickJSEnvironment({ memoryLimitBytes: MEMORY_LIMIT_BYTES }), {
  memoryLimit: true,
  configure: (options) => createQuickJSEnvironment({ memoryLimitBytes: MEMORY_LIMIT_BYTES, ...options }),
});

describe('QuickJS environment', () => {
  const sessions: ReplSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.dispose()));
  });

  async function open(
    options: QuickJSEnvironmentOptions = {},
    context = 'the context',
    signal?: AbortSignal,
  ) {
    const environment = createQuickJSEnvironment({ memoryLimitBytes: MEMORY_LIMIT_BYTES, ...options });
    let release: ((value: string) => void) | undefined;
    const session = await environment.createSession({
      context,
      hostFunctions: {
        llm_query: async ([prompt]) => `answer:${String(prompt)}`,
        slow: () =>
          new Promise<string>((resolve) => {
            release = resolve;
          }),
      },
      ...(signal ? { signal } : {}),
    });
    sessions.push(session);
    return { session, release: (value: string) => release?.(value) };
  }

  it('prepare boots the first session’s worker ahead, which the session takes; a session that had to boot its own readies a spare; dispose ends them', async () => {
    const environment = createQuickJSEnvironment({ memoryLimitBytes: MEMORY_LIMIT_BYTES });
    // From an empty pool: earlier tests leave idle workers behind.
    await environment.dispose!();
    expect(quickJSWorkers.idleWorkerIds()).toEqual([]);
    environment.prepare!();
    environment.prepare!();
    const prepared = quickJSWorkers.idleWorkerIds();
    expect(prepared).toHaveLength(1);
    const session = await environment.createSession({ context: 'ctx', hostFunctions: {} });
    sessions.push(session);
    // It took the worker booted ahead: no spare (a run with one session never pays for one).
    expect(quickJSWorkers.idleWorkerIds()).toEqual([]);
    expect((await session.runCell('context.length + 1')).value).toBe('4');
    // A second session at once boots a worker of its own, and then readies a spare for the next.
    const second = await environment.createSession({ context: 'second', hostFunctions: {} });
    sessions.push(second);
    const spare = quickJSWorkers.idleWorkerIds();
    expect(spare).toHaveLength(1);
    expect(spare[0]).not.toBe(prepared[0]);
    const third = await environment.createSession({ context: 'third', hostFunctions: {} });
    sessions.push(third);
    expect((await third.runCell('context')).value).toBe('"third"');
    // The third took the spare, so it readied none.
    expect(quickJSWorkers.idleWorkerIds()).toEqual([]);
    await environment.dispose!();
    expect(quickJSWorkers.idleWorkerIds()).toEqual([]);
    createQuickJSEnvironment({ workerThread: false }).prepare!();
    expect(quickJSWorkers.idleWorkerIds()).toEqual([]);
  });

  it('a sandbox prepared ahead serves only a session with the same limits: each session gets its own environment’s', async () => {
    const large = createQuickJSEnvironment({ memoryLimitBytes: 512 * 1024 * 1024 });
    const small = createQuickJSEnvironment({ memoryLimitBytes: 64 * 1024 * 1024 });
    const allocate = 'const big = "x".repeat(80 * 1024 * 1024); big.length';
    for (const [prepared, used, fits] of [
      [large, small, false],
      [small, large, true],
      [large, large, true],
      [small, small, false],
    ] as const) {
      await prepared.dispose!();
      prepared.prepare!();
      // Let the worker finish preparing, so the start meets a ready sandbox, not one on its way.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const session = await used.createSession({ context: 'ctx', hostFunctions: {} });
      sessions.push(session);
      const result = await session.runCell(allocate);
      if (fits) expect(result.value, result.error?.message).toBe(String(80 * 1024 * 1024));
      else expect(result.error?.kind, result.value).toBe('memory');
      await session.dispose();
    }
  });

  it('gets large contexts exactly, one after another, whatever buffer the last one left for reuse', async () => {
    const ascii = 'line of plain text\n'.repeat(20_000);
    const accented = 'héllo wörld ✓ 😀\n'.repeat(8_000);
    for (const context of [ascii, accented, ascii.slice(0, 100_000), accented.slice(0, 90_001)]) {
      const { session } = await open({}, context);
      const result = await session.runCell(
        'JSON.stringify([context.length, context.slice(0, 40), context.slice(-40)])',
      );
      expect(JSON.parse(JSON.parse(result.value ?? '""'))).toEqual([
        context.length,
        context.slice(0, 40),
        context.slice(-40),
      ]);
      await session.dispose();
    }
  });

  it('keeps the session after an allocation that does not fit, when nothing was retained', async () => {
    const { session } = await open();
    await session.runCell('const kept = 41;');
    const result = await session.runCell("const huge = 'x'.repeat(200 * 1024 * 1024);");
    expect(result.error).toMatchObject({ kind: 'memory', name: 'InternalError' });
    expect(result.error?.message).toMatch(/ran out of memory/);
    expect(result.stateLost).toBeUndefined();
    expect((await session.runCell('kept + 1')).value).toBe('42');
  });

  it('restarts the sandbox, says so, and re-injects the context when retained data fills the memory', async () => {
    const { session } = await open();
    await session.runCell('const kept = 41;');
    const result = await session.runCell(
      'const chunks = [];\nwhile (true) chunks.push("x".repeat(1024 * 1024) + chunks.length);',
    );
    expect(result.error?.kind).toBe('memory');
    expect(result.stateLost).toMatch(
      /A new QuickJS sandbox was started.*every variable from earlier cells is gone/s,
    );
    const after = await session.runCell('console.log(typeof kept, context)');
    expect(after.stdout).toBe('undefined the context\n');
  });

  it('names each cell in error stacks', async () => {
    const { session } = await open();
    await session.runCell('1');
    const result = await session.runCell('const a = 1;\nfunction f() {\n  return missing + 1;\n}\nf();');
    expect(result.error?.stack).toContain('cell-2.js:3');
  });

  it('never starts a host call made while the environment describes the cell’s error', async () => {
    const calls: string[] = [];
    const environment = createQuickJSEnvironment({ memoryLimitBytes: MEMORY_LIMIT_BYTES });
    const session = await environment.createSession({
      context: 'ctx',
      hostFunctions: {
        record: async ([label]) => {
          calls.push(String(label));
          return undefined;
        },
      },
    });
    sessions.push(session);
    const result = await session.runCell(
      "const error = new Error('x');\n" +
        "Object.defineProperty(error, 'message', { get() { record('from a getter'); return 'described'; } });\n" +
        "await record('in the cell');\nthrow error;",
    );
    expect(result.error).toMatchObject({ kind: 'runtime', message: 'described' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual(['in the cell']);
  });

  it('turns deep recursion into a stack overflow error, and the session goes on', async () => {
    const { session } = await open();
    const result = await session.runCell('function down(n) { return down(n + 1) + 1; }\ndown(0);');
    expect(result.error).toMatchObject({ kind: 'runtime', name: 'InternalError' });
    expect(result.error?.message).toMatch(/stack overflow/);
    expect((await session.runCell('down.length')).value).toBe('1');
  });

  it('provides no timers', async () => {
    const { session } = await open();
    const result = await session.runCell('[typeof setTimeout, typeof setInterval, typeof queueMicrotask]');
    expect(result.value).toBe('[ "undefined", "undefined", "undefined" ]');
  });

  it('runs on the calling thread when asked to (workerThread: false), with the same results', async () => {
    const { session } = await open({ workerThread: false });
    expect((await session.runCell("const got = await llm_query('q'); got + ' ' + context")).value).toBe(
      '"answer:q the context"',
    );
    expect((await session.runCell('while (true) {}', { timeoutMs: 100 })).error?.kind).toBe('timeout');
  });

  it('refuses a context that cannot fit the memory limit, saying what to change', async () => {
    const environment = createQuickJSEnvironment({ memoryLimitBytes: 32 * 1024 * 1024 });
    const creating = environment.createSession({ context: 'é'.repeat(20_000_000), hostFunctions: {} });
    await expect(creating).rejects.toThrow(SandboxError);
    await expect(creating).rejects.toThrow(/memoryLimitBytes/);
  });

  it('checks its options', () => {
    expect(() => createQuickJSEnvironment({ memoryLimitBytes: 1000 })).toThrow(InvalidArgumentError);
  });
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRLM, InvalidArgumentError, type ReplSession, SandboxError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { testEnvironment } from '@rlm/core/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { createIsolatedVMEnvironment, type IsolatedVMEnvironmentOptions } from './isolated-vm-environment';

const MEMORY_LIMIT_MB = 128;

testEnvironment(() => createIsolatedVMEnvironment({ memoryLimitMb: MEMORY_LIMIT_MB }), {
  memoryLimit: true,
  configure: (options) => createIsolatedVMEnvironment({ memoryLimitMb: MEMORY_LIMIT_MB, ...options }),
});

describe('isolated-vm environment', () => {
  const sessions: ReplSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.dispose()));
  });

  async function open(
    options: IsolatedVMEnvironmentOptions = {},
    context: unknown = 'the context',
    signal?: AbortSignal,
  ) {
    const environment = createIsolatedVMEnvironment({ memoryLimitMb: MEMORY_LIMIT_MB, ...options });
    let release: ((value: string) => void) | undefined;
    const signals: AbortSignal[] = [];
    const session = await environment.createSession({
      context: context as string,
      hostFunctions: {
        llm_query: async ([prompt]) => `answer:${String(prompt)}`,
        slow: (_args, { signal: callSignal }) => {
          signals.push(callSignal);
          return new Promise<string>((resolve) => {
            release = resolve;
          });
        },
      },
      ...(signal ? { signal } : {}),
    });
    sessions.push(session);
    return { session, signals, release: (value: string) => release?.(value) };
  }

  it('stops an endless loop after an await at the timeout and keeps every variable', async () => {
    const { session } = await open();
    await session.runCell('const kept = 41;');
    const started = performance.now();
    const result = await session.runCell("await llm_query('x');\nwhile (true) {}", { timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result.error?.kind).toBe('timeout');
    expect(result.stateLost).toBeUndefined();
    expect((await session.runCell('kept + 1')).value).toBe('42');
  });

  it('stops an endless loop in a .then callback of a host call, and keeps the variables', async () => {
    const { session } = await open();
    await session.runCell('const kept = 1;');
    const result = await session.runCell("await llm_query('a').then(() => { for (;;) {} });", {
      timeoutMs: 300,
    });
    expect(result.error?.kind).toBe('timeout');
    expect(result.stateLost).toBeUndefined();
    expect((await session.runCell('kept')).value).toBe('1');
  });

  it('disposes the isolate, says the state was lost and re-injects the context after running out of memory', async () => {
    const { session } = await open({}, 'the context');
    await session.runCell('const kept = 41;');
    const result = await session.runCell(
      'const chunks = [];\nwhile (true) chunks.push({ n: chunks.length, s: "x".repeat(64) + chunks.length });',
      { timeoutMs: 60_000 },
    );
    expect(result.error?.kind).toBe('memory');
    expect(result.error?.message).toMatch(/memoryLimitMb = 128/);
    expect(result.stateLost).toMatch(/new isolate was started.*every variable from earlier cells is gone/s);
    const after = await session.runCell('console.log(typeof kept, context)');
    expect(after.stdout).toBe('undefined the context\n');
  }, 90_000);

  it('keeps the session after an allocation that does not fit, when nothing was retained', async () => {
    const { session } = await open();
    await session.runCell('const kept = 41;');
    const result = await session.runCell('const huge = new Uint8Array(200 * 1024 * 1024);');
    expect(result.error).toMatchObject({ kind: 'memory', name: 'RangeError' });
    expect(result.error?.message).toMatch(
      /^The sandbox ran out of memory \(its limit is the environment option memoryLimitMb\)/,
    );
    expect(result.stateLost).toBeUndefined();
    expect((await session.runCell('kept + 1')).value).toBe('42');
  });

  it('restarts at once, saying so, when the buffers a failed cell kept still fill the isolate', async () => {
    const { session } = await open();
    await session.runCell('const kept = 41;');
    const result = await session.runCell(
      'const buffers = [];\nwhile (true) buffers.push(new Uint8Array(1024 * 1024));',
    );
    expect(result.error?.kind).toBe('memory');
    expect(result.stateLost).toMatch(/what the cells stored still fills it.*new isolate was started/s);
    expect((await session.runCell('typeof kept')).value).toBe('"undefined"');
  });

  // Catastrophic errors (V8 lost control of an isolate) are tested in child processes, in
  // host-safety.test.ts: each leaves a thread and ~200 MB in the process for good.

  it('formats a last value that is a function, symbol, Proxy or huge object without failing the transfer', async () => {
    const { session } = await open();
    const values = await Promise.all([
      session.runCell('function named() {}\nnamed'),
      session.runCell("Symbol('tag')"),
      // No `get` trap: resolving the cell's promise with the value reads its `then`, in every engine.
      session.runCell(
        "new Proxy({}, { ownKeys() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } })",
      ),
      session.runCell('Array.from({ length: 100000 }, (_, i) => ({ i }))'),
      session.runCell("'x'.repeat(5_000_000)"),
      session.runCell('(async () => 1)'),
    ]);
    expect(values.map((result) => result.error)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(values[0]?.value).toBe('[Function: named]');
    expect(values[1]?.value).toBe('Symbol(tag)');
    expect(values[2]?.value).toBe('[uninspectable value]');
    expect(values[3]?.value).toMatch(/\.\.\. 99900 more items\n\]$/);
    expect(values[4]?.value?.length).toBeLessThan(10_100);
    expect(values[5]?.value).toBe('[Function (anonymous)]');
  });

  it('reports an error whose getters throw, and the session goes on', async () => {
    const { session } = await open();
    const result = await session.runCell(
      "throw new Proxy(new Error('x'), { getPrototypeOf() { throw new Error('trap'); } });",
    );
    expect(result.error?.kind).toBe('runtime');
    expect((await session.runCell('1 + 1')).value).toBe('2');
  });

  it('runs what a cell chained on its dropped calls when it ends: a spin is its own cost, a re-arm stops, nothing prints later', async () => {
    const { session, release } = await open();
    await session.runCell('const kept = 1;');
    // The leftover spins when the dropped call rejects: it is stopped within the cell's wrap-up.
    const spinning = await session.runCell("slow('x').catch(() => { for (;;) {} });\n'left spinning'", {
      timeoutMs: 5_000,
    });
    expect(spinning.value).toBe('"left spinning"');
    const innocent = await session.runCell('kept + 1', { timeoutMs: 300 });
    expect(innocent).toMatchObject({ value: '2' });
    expect(innocent.error).toBeUndefined();
    expect(innocent.stateLost).toBeUndefined();
    // A leftover that re-arms itself on every failure gets a call that never settles, once.
    const armed = await session.runCell(
      "function again() { return llm_query('again').then(again, again); }\nagain();\n'armed'",
    );
    expect(armed.value).toBe('"armed"');
    await session.runCell("slow('y').then(() => console.log('LEAK'), () => console.log('LEAK'));\n'left'");
    release('"late"');
    const later = await session.runCell("console.log('only this'); await llm_query('z')");
    expect(later).toMatchObject({ stdout: 'only this\n', value: '"answer:z"' });
  });

  it('names each cell in error stacks and finds the column in the cell', async () => {
    const { session } = await open();
    await session.runCell('1');
    const result = await session.runCell('const a = 1;\nfunction f() {\n  return missing + 1;\n}\nf();');
    // V8 points at the start of the `return` statement.
    expect(result.error).toMatchObject({ line: 3, column: 3 });
    expect(result.error?.stack).toMatch(
      /^ReferenceError: missing is not defined\n {4}at f \(cell-2\.js:3:3\)\n/,
    );
  });

  it('aborts a cell whose code is still computing by disposing the isolate, and says the state was lost', async () => {
    const { session } = await open();
    await session.runCell('const kept = 1;');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await session.runCell('while (true) {}', { signal: controller.signal, timeoutMs: 60_000 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result.error?.kind).toBe('aborted');
    expect(result.stateLost).toMatch(/aborted while its code was still running/);
    expect((await session.runCell('typeof kept')).value).toBe('"undefined"');
  });

  it('provides no timers', async () => {
    const { session } = await open();
    const result = await session.runCell('[typeof setTimeout, typeof setInterval, typeof queueMicrotask]');
    expect(result.value).toBe('[ "undefined", "undefined", "undefined" ]');
  });

  it('refuses a context that cannot fit the memory limit, saying what to change', async () => {
    const environment = createIsolatedVMEnvironment({ memoryLimitMb: 16 });
    const creating = environment.createSession({ context: 'é'.repeat(20_000_000), hostFunctions: {} });
    await expect(creating).rejects.toThrow(SandboxError);
    await expect(creating).rejects.toThrow(/memoryLimitMb/);
  });

  it('refuses to start in a process without --no-node-snapshot, saying how to add it', async () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script =
      `const { createIsolatedVMEnvironment } = await import(${JSON.stringify(entry)});\n` +
      "const outcome = await createIsolatedVMEnvironment().createSession({ context: '', hostFunctions: {} })\n" +
      "  .then(() => 'started', (error) => error.name + ': ' + error.message);\n" +
      'console.log(outcome);';
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(stdout).toMatch(/^SandboxError: isolated-vm needs Node to run with --no-node-snapshot/);
  });

  it('runs an RLM: the model counts in the context, asks a sub-model, and answers with FINAL', async () => {
    const model = new MockLanguageModel({
      responses: [
        "```javascript\nconst lines = context.split('\\n');\nconst verdict = await llm_query(lines.length + ' lines');\nFINAL(verdict);\n```",
      ],
    });
    const subModel = new MockLanguageModel({ responses: (request) => `sub saw: ${request.lastMessage}` });
    const rlm = createRLM({ model, subModel, environment: createIsolatedVMEnvironment() });
    const result = await rlm.completion('How many lines?', { context: 'one\ntwo\nthree' });
    expect(result.answer).toBe('sub saw: 3 lines');
    expect(result.answerSource).toBe('FINAL');
  });

  it('checks its options', () => {
    expect(() => createIsolatedVMEnvironment({ memoryLimitMb: 4 })).toThrow(InvalidArgumentError);
    expect(() => createIsolatedVMEnvironment({ memoryLimitMb: 1.5 })).toThrow(/memoryLimitMb/);
    expect(() => createIsolatedVMEnvironment({ maxCatastrophicRestarts: -1 })).toThrow(
      /maxCatastrophicRestarts/,
    );
    expect(() => createIsolatedVMEnvironment({ maxCatastrophicErrorsPerProcess: 0 })).toThrow(
      /maxCatastrophicErrorsPerProcess must be an integer of at least 1/,
    );
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { CellResult, ReplEnvironment, ReplLanguage } from '../environment/repl-environment';
import { MAX_LISTED_VARIABLES, MAX_VARIABLE_PREVIEW_CHARS } from '../javascript/javascript-prelude';
import { describeAddedContextConformance } from './test-environment-added-contexts';
import { describeBusyCellConformance } from './test-environment-busy-cells';
import { describeCellOrderConformance } from './test-environment-cell-order';
import {
  type CommonEnvironmentOptions,
  describeCommonOptionsConformance,
} from './test-environment-common-options';
import { describeContextConformance } from './test-environment-context';
import { describeDroppedCallConformance } from './test-environment-dropped-calls';
import { describePythonEnvironmentConformance } from './test-environment-python';
import { describeSecurityConformance } from './test-environment-security';
import {
  createSessionOpener,
  expectMemoryFailure,
  type OpenSessionOptions,
} from './test-environment-session';
import { describeSessionSignalConformance } from './test-environment-session-signal';

export type { CommonEnvironmentOptions } from './test-environment-common-options';

/**
 * What an environment can do. A conformance check for a capability it lacks is skipped; a check of
 * the security section that needs it fails, saying which capability is missing, because an
 * environment without it cannot stop hostile code (see `SECURITY.md`).
 */
export interface EnvironmentCapabilities {
  /**
   * The language the environment's cells are written in. Default `'javascript'`. With `'python'` the
   * suite runs its Python flavour: the same behaviours and security section with Python cells.
   */
  readonly language?: ReplLanguage;
  /**
   * The environment bounds a session's memory: an allocation bomb ends the cell with a `memory`
   * error (or `stateLost`) and the host survives. Default true.
   */
  readonly memoryLimit?: boolean;
  /** A per-cell timeout stops synchronous code such as `while (true) {}`. Default true. */
  readonly interruptsSynchronousCode?: boolean;
  /**
   * Milliseconds a session may take to stop a cell after its timeout, restart included. Default 5,000.
   */
  readonly stopGraceMs?: number;
  /**
   * Milliseconds from an abort, or a deadline, to the end of a cell that never yields
   * (`while (true) {}`), restart included. Default 1,500: about a second, with room for a loaded CI
   * machine.
   */
  readonly busyStopMs?: number;
  /**
   * The longest the host's event loop may stall while a cell is busy, in milliseconds. Default 250:
   * generous for a loaded 2-core machine, but an engine that runs cells on the host's own thread
   * stalls it for the whole cell.
   */
  readonly maxEventLoopLagMs?: number;
  /**
   * Builds the environment with the options every environment of ours shares (`defaultTimeoutMs`,
   * `defaultMaxOutputChars`), on top of what the factory sets. When given, the suite checks that a
   * cell with no limits of its own gets them and that invalid values are refused, naming the option.
   */
  readonly configure?: (options: CommonEnvironmentOptions) => ReplEnvironment | Promise<ReplEnvironment>;
}

/**
 * The conformance suite every `ReplEnvironment` runs, ours and outside authors'. Call it at the top
 * level of a test file (a Python environment passes `{ language: 'python' }` and gets the Python
 * flavour of every check):
 *
 * ```ts
 * testEnvironment(() => createMyEnvironment({ memoryLimitBytes: 128 * 1024 * 1024 }), { memoryLimit: true });
 * ```
 *
 * A section checks that a cell never holds the host hostage: cells run one at a time and in order,
 * an abort or a deadline stops `while (true) {}` within about a second while the host's event loop
 * stays responsive, and `environment.dispose()` leaves nothing that keeps the host alive.
 *
 * The factory is called once per test. Give it a memory limit small enough (64–256 MiB) for the
 * allocation-bomb test to end in a few seconds, and at least ~40 MiB for the 10 MB context test.
 * Sessions get the host functions `llm_query` (counts concurrent calls), `echo`, `fail` (rejects),
 * `never` (never settles) and `nothing` (returns undefined).
 *
 * The security section (`describeSecurityConformance`) attacks the sandbox the way hostile model code
 * would: files, network, environment variables, processes, host objects, code generation, work that
 * outlives its cell, resource exhaustion, text edge cases and prototype pollution. While it runs it
 * puts a canary in `process.env`, a secret file in the temporary directory and a listening socket on
 * 127.0.0.1 on the host, and checks that none of them can be reached from a cell.
 */
export function testEnvironment(
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
  capabilities: EnvironmentCapabilities = {},
): void {
  if (capabilities.language === 'python') {
    describePythonEnvironmentConformance(factory, capabilities);
    return;
  }
  const memoryLimit = capabilities.memoryLimit ?? true;
  const interruptsSynchronousCode = capabilities.interruptsSynchronousCode ?? true;
  const stopGraceMs = capabilities.stopGraceMs ?? 5_000;

  describe('ReplEnvironment conformance', () => {
    const opener = createSessionOpener(factory);
    const open = (options?: OpenSessionOptions) => opener.open(options);

    afterEach(async () => {
      await opener.dispose();
    });

    describe('contract', () => {
      it('declares the v1 contract, an id and the javascript language', async () => {
        const environment = await factory();
        expect(environment.specificationVersion).toBe('v1');
        expect(typeof environment.environmentId).toBe('string');
        expect(environment.environmentId.length).toBeGreaterThan(0);
        expect(environment.language).toBe('javascript');
      });

      it('returns every field of a cell result', async () => {
        const { ok } = await open();
        const result = await ok('1 + 1');
        expect(result).toMatchObject({ stdout: '', stderr: '', droppedOutputChars: 0, value: '2' });
        expect(typeof result.durationMs).toBe('number');
        expect(result.durationMs).toBeGreaterThanOrEqual(0);
        expect(result.final).toBeUndefined();
        expect(result.stateLost).toBeUndefined();
      });
    });

    describe('state', () => {
      it('keeps let, const, var, function and class declarations across cells', async () => {
        const { ok } = await open();
        await ok(
          'let a = 1;\nconst b = 2;\nvar c = 3;\nfunction sum() { return a + b + c; }\nclass Box { get four() { return 4; } }',
        );
        expect((await ok('sum() + new Box().four')).value).toBe('10');
      });

      it('keeps destructured names across cells', async () => {
        const { ok } = await open();
        await ok('const { x, y: [z, ...rest] } = { x: 1, y: [2, 3, 4] };');
        expect((await ok('x + z + rest.length')).value).toBe('5');
      });

      it('lets a later cell declare the same name again', async () => {
        const { ok } = await open();
        await ok('let name = 1; const fixed = 1;');
        await ok('let name = 2; const fixed = 3;');
        expect((await ok('name + fixed')).value).toBe('5');
      });

      it('runs top-level await', async () => {
        const { ok } = await open();
        await ok('const later = await Promise.resolve(21);');
        expect((await ok('later * (await Promise.resolve(2))')).value).toBe('42');
      });

      it('shows the value of a last bare expression, and none after a declaration', async () => {
        const { ok } = await open();
        expect((await ok('const shown = [1, 2];\nshown.length')).value).toBe('2');
        expect((await ok('({ a: 1 })')).value).toContain('a: 1');
        expect((await ok('const hidden = 3;')).value).toBeUndefined();
        expect((await ok('console.log("printed")')).value).toBeUndefined();
      });
    });

    describe('variables', () => {
      it("lists the model's variables after each cell, with kinds and short previews, never whole values", async () => {
        const { ok } = await open();
        const first = await ok(
          "const big = 'x'.repeat(1_000_000);\nlet n = 42;\nvar rows = [1, 2, 3];\nfunction f() {}\nconst deep = { a: { b: { c: { d: 1 } } }, list: Array.from({ length: 100_000 }, (_, i) => i) };",
        );
        const byName = new Map((first.variables ?? []).map((variable) => [variable.name, variable]));
        expect([...byName.keys()]).toStrictEqual(['big', 'deep', 'f', 'n', 'rows']);
        expect(byName.get('big')?.type).toBe('string, 1000000 chars');
        expect(byName.get('big')?.preview.startsWith('"xxx')).toBe(true);
        expect(byName.get('n')).toStrictEqual({ name: 'n', type: 'number, 42', preview: '42' });
        expect(byName.get('rows')?.preview).toBe('[1, 2, 3]');
        for (const variable of byName.values()) {
          expect(variable.preview.length).toBeLessThanOrEqual(MAX_VARIABLE_PREVIEW_CHARS + 1);
          expect(variable.type.length).toBeLessThanOrEqual(MAX_VARIABLE_PREVIEW_CHARS + 1);
        }
        // The reserved names (context, the host functions, FINAL, …) are not the model's variables.
        const later = await ok('context = 1; const added = true;');
        expect((later.variables ?? []).map((variable) => variable.name)).toStrictEqual([
          'added',
          'big',
          'deep',
          'f',
          'n',
          'rows',
        ]);
      });

      it('lists at most the first variables by name, and survives values that resist being read', async () => {
        const { ok, run } = await open();
        const declarations = Array.from(
          { length: MAX_LISTED_VARIABLES + 20 },
          (_, i) => `var v${String(i).padStart(3, '0')} = ${i};`,
        );
        const many = await ok(declarations.join('\n'));
        expect(many.variables).toHaveLength(MAX_LISTED_VARIABLES);
        expect(many.variables?.[0]?.name).toBe('v000');
        // Values whose reading would run code that never returns: the listing must not read them.
        const hostile = await run(
          "const trap = new Proxy({}, { ownKeys() { for (;;) {} }, getOwnPropertyDescriptor() { for (;;) {} }, getPrototypeOf() { for (;;) {} }, get() { for (;;) {} } });\nconst stuck = new Error('x');\nObject.defineProperty(stuck, 'message', { get() { for (;;) {} } });\nconst hidden = Object.setPrototypeOf({}, trap);\nconst { proxy: revocable } = Proxy.revocable([], { get() { for (;;) {} } });\nconsole.log('ran');",
          { timeoutMs: 2_000 },
        );
        expect(hostile.error).toBeUndefined();
        expect(hostile.stdout).toBe('ran\n');
        expect(hostile.stateLost).toBeUndefined();
        const listed = new Map((hostile.variables ?? []).map((variable) => [variable.name, variable]));
        expect(listed.get('trap')?.type).toBe('Proxy');
        expect(listed.get('revocable')?.type).toBe('Proxy');
        expect(listed.get('stuck')?.type).toBe('error');
        expect(listed.has('hidden')).toBe(true);
        expect((await ok('1 + 1')).value).toBe('2');
      });

      it("runs the model's getters only as code of an ended cell: they cannot reach the host or print", async () => {
        const { ok, host } = await open();
        const result = await ok(
          "const sneaky = new Error('x');\nObject.defineProperty(sneaky, 'message', { get() { echo('from a getter'); console.log('printed by a getter'); return 'm'; } });\nconst done = true;",
        );
        expect(result.stdout).toBe('');
        expect(result.variables?.map((variable) => variable.name)).toContain('sneaky');
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(host.calls.echo ?? []).toStrictEqual([]);
      });
    });

    describe('output', () => {
      it('captures console.log/info/debug as stdout and console.error/warn as stderr', async () => {
        const { ok } = await open();
        const result = await ok(
          "console.log('hello', 42); console.info('info'); console.debug('debug');\n" +
            "console.error('oops'); console.warn('careful');",
        );
        expect(result.stdout).toBe('hello 42\ninfo\ndebug\n');
        expect(result.stderr).toBe('oops\ncareful\n');
      });

      it('caps a flood of output inside the sandbox and counts what it dropped', async () => {
        const { run, ok } = await open();
        const result = await run(
          "const line = 'x'.repeat(999);\nfor (let i = 0; i < 10000; i++) console.log(line);",
          { maxOutputChars: 100_000 },
        );
        expect(result.error).toBeUndefined();
        expect(result.stdout.length).toBe(100_000);
        expect(result.droppedOutputChars).toBe(10_000_000 - 100_000);
        expect((await ok('console.log("still fine")')).stdout).toBe('still fine\n');
      });
    });

    describe('errors', () => {
      it('reports a thrown error with its line, and the session survives', async () => {
        const { run, ok } = await open();
        await ok('const before = 7;');
        const result = await run('const a = 1;\n\nnull.boom;');
        expect(result.error).toMatchObject({ kind: 'runtime', name: 'TypeError', line: 3 });
        expect(result.error?.message.length).toBeGreaterThan(0);
        expect((await ok('before')).value).toBe('7');
      });

      it('reports an error thrown after an await with its name, message and line', async () => {
        const { run } = await open();
        const result = await run("await null;\nawait llm_query('x');\nthrow new RangeError('too far');");
        expect(result.error).toMatchObject({
          kind: 'runtime',
          name: 'RangeError',
          message: 'too far',
          line: 3,
        });
      });

      it('reports a syntax error with its line, and runs nothing of the cell', async () => {
        const { run, ok } = await open();
        const result = await run('globalThis.ran = true;\nconst = 2;');
        expect(result.error).toMatchObject({ kind: 'syntax', line: 2 });
        expect((await ok('console.log(typeof ran)')).stdout).toBe('undefined\n');
      });

      it('reports a thrown non-Error value', async () => {
        const { run } = await open();
        const result = await run("throw 'plain text';");
        expect(result.error?.kind).toBe('runtime');
        expect(result.error?.message).toContain('plain text');
      });

      it('finds the line in the cell of an error thrown inside a function it defined', async () => {
        const { run, ok } = await open();
        await ok('1');
        const result = await run('const a = 1;\nfunction f() {\n  return missing + 1;\n}\nf();');
        expect(result.error).toMatchObject({ kind: 'runtime', name: 'ReferenceError', line: 3 });
        expect(result.error?.message).toContain('missing');
        if (result.error?.stack !== undefined)
          expect(result.error.stack).toMatch(/^ReferenceError: .*missing/);
      });

      it('ignores promises the cell left rejected without a handler, and the session goes on', async () => {
        const { run, ok } = await open();
        const result = await run(
          "Promise.reject(new Error('nobody listens'));\n(async () => { throw new Error('also ignored'); })();\n'value'",
        );
        expect(result.error).toBeUndefined();
        expect(result.value).toBe('"value"');
        const after = await ok("await llm_query('next')");
        expect(after.value).toBe('"answer:next"');
        expect(after.stateLost).toBeUndefined();
      });
    });

    describeContextConformance(open);
    describeAddedContextConformance(open, memoryLimit);

    describe('host functions', () => {
      it('are async and pass JSON arguments and results', async () => {
        const { ok, host } = await open();
        const result = await ok(
          "const pending = echo('a', 1, { b: [true, null] });\n" +
            'console.log(pending instanceof Promise);\n' +
            'const echoed = await pending;\n' +
            'console.log(JSON.stringify(echoed), await nothing());',
        );
        expect(result.stdout).toBe(
          'true\n{"args":["a",1,{"b":[true,null]}],"nested":{"list":[1,"two",null]}} undefined\n',
        );
        expect(host.calls.echo).toEqual([['a', 1, { b: [true, null] }]]);
      });

      it('run 16 llm_query calls concurrently through Promise.all', async () => {
        const latencyMs = 200;
        const { ok, host } = await open({ latencyMs });
        const started = performance.now();
        const result = await ok(
          "const prompts = Array.from({ length: 16 }, (_, i) => 'p' + i);\n" +
            'const answers = await Promise.all(prompts.map((p) => llm_query(p)));\n' +
            'console.log(answers.length, answers[15]);',
        );
        const elapsed = performance.now() - started;
        expect(result.stdout).toBe('16 answer:p15\n');
        expect(host.peakInFlight()).toBe(16);
        expect(elapsed).toBeLessThan(latencyMs * 4);
      });

      it('turn a host rejection into a catchable Error with the message', async () => {
        const { ok } = await open();
        const result = await ok(
          "try { await fail('x'); } catch (error) { console.log(error instanceof Error, error.message); }",
        );
        expect(result.stdout).toBe('true the host said no\n');
      });

      it('fail the cell with the message when a rejection is not caught', async () => {
        const { run } = await open();
        const result = await run("\nawait fail('x');");
        expect(result.error).toMatchObject({ kind: 'runtime', message: 'the host said no' });
      });
    });

    describe('FINAL and FINAL_VAR', () => {
      it('FINAL records strings as they are and other values as JSON', async () => {
        const { ok } = await open();
        expect((await ok("FINAL('the answer')")).final).toEqual({ source: 'FINAL', value: 'the answer' });
        expect((await ok("FINAL('42')")).final).toEqual({ source: 'FINAL', value: '42' });
        // `format: 'json'` (optional) tells a typed answer's validation that the value was data.
        const number = (await ok('FINAL(42)')).final;
        expect(number).toMatchObject({ source: 'FINAL', value: '42' });
        expect([undefined, 'json']).toContain(number?.format);
        const object = (await ok("FINAL({ city: 'Paris', n: [1] })")).final;
        expect(object?.value).toBe(JSON.stringify({ city: 'Paris', n: [1] }, null, 2));
        expect([undefined, 'json']).toContain(object?.format);
        expect((await ok('1')).final).toBeUndefined();
      });

      it('FINAL works in a later statement after awaits', async () => {
        const { ok } = await open();
        const result = await ok(
          "const first = await llm_query('a');\nawait null;\nconst second = await llm_query('b');\nFINAL(first + ' ' + second);",
        );
        expect(result.final).toEqual({ source: 'FINAL', value: 'answer:a answer:b' });
      });

      it('FINAL without a value is an error', async () => {
        const { run } = await open();
        const result = await run('FINAL()');
        expect(result.error?.kind).toBe('runtime');
        expect(result.final).toBeUndefined();
      });

      it("FINAL_VAR returns the variable's value, not its name", async () => {
        const { ok } = await open();
        await ok("const answer = 'Paris';\nconst table = { a: 1 };");
        expect((await ok("FINAL_VAR('answer')")).final).toEqual({
          source: 'FINAL_VAR',
          value: 'Paris',
          variableName: 'answer',
        });
        expect((await ok("FINAL_VAR('table')")).final?.value).toBe(JSON.stringify({ a: 1 }, null, 2));
      });

      it('FINAL_VAR of a missing variable is a clear error', async () => {
        const { run } = await open();
        const result = await run("FINAL_VAR('missing')");
        expect(result.error?.message).toContain("no variable named 'missing'");
        expect(result.final).toBeUndefined();
      });

      it('FINAL_VAR takes a string that is not a name as the answer itself', async () => {
        const { ok } = await open();
        expect((await ok("FINAL_VAR('The answer is 42.')")).final).toMatchObject({
          source: 'FINAL_VAR',
          value: 'The answer is 42.',
        });
      });
    });

    describe('SHOW_VARS and reserved names', () => {
      it('SHOW_VARS lists the variables the model made, not builtins or reserved names', async () => {
        const { ok } = await open();
        await ok("const alpha = 'abc';\nlet beta = [1, 2, 3];");
        const { stdout } = await ok('console.log(SHOW_VARS())');
        expect(stdout).toContain('alpha');
        expect(stdout).toContain('beta');
        for (const hidden of ['context', 'llm_query', 'FINAL', 'Math', 'JSON']) {
          expect(stdout).not.toMatch(new RegExp(`\\b${hidden}\\b`));
        }
      });

      it('keeps console, host functions and FINAL working when model code replaces intrinsics', async () => {
        const { ok } = await open();
        const result = await ok(
          "JSON.stringify = () => 'broken'; JSON.parse = () => 'broken'; Object.keys = null;\n" +
            'Promise.prototype.then = null; Array.prototype.join = null; String.prototype.slice = null;\n' +
            'Function.prototype.call = null; Function.prototype.apply = null;\n' +
            "const echoed = await echo('x');\n" +
            "console.log({ first: echoed.args[0] }, 'text');\n" +
            'FINAL({ ok: echoed.nested.list.length });',
        );
        expect(result.stdout).toContain('text');
        expect(result.stdout).toContain('first');
        expect(result.final?.value).toBe(JSON.stringify({ ok: 3 }, null, 2));
      });

      it('restores reserved names a cell overwrote', async () => {
        const { run, ok } = await open();
        await run('context = 1; FINAL = null; llm_query = undefined; SHOW_VARS = 0; console.log = null;');
        await run('let context = 2; var FINAL_VAR = 3;');
        const result = await ok(
          'console.log(typeof context, context.length, typeof FINAL, typeof FINAL_VAR, typeof llm_query, typeof SHOW_VARS);\n' +
            "await llm_query('still works');",
        );
        expect(result.stdout).toBe('string 44 function function function function\n');
      });
    });

    describe('limits', () => {
      it.skipIf(!interruptsSynchronousCode)(
        'stops `while (true) {}` at the timeout, and the session is usable after',
        async () => {
          const { run, ok } = await open();
          await ok('const kept = 5;');
          const started = performance.now();
          const result = await run('while (true) {}', { timeoutMs: 300 });
          expect(performance.now() - started).toBeLessThan(300 + stopGraceMs);
          expect(result.error?.kind).toBe('timeout');
          const after = await ok('typeof kept === "number" ? kept : context.length');
          expect(after.value).toBe(result.stateLost ? '44' : '5');
        },
      );

      it.skipIf(!interruptsSynchronousCode)('stops an endless loop that starts after an await', async () => {
        const { run, ok } = await open();
        const result = await run("await llm_query('x');\nwhile (true) {}", { timeoutMs: 300 });
        expect(result.error?.kind).toBe('timeout');
        expect((await ok('1 + 1')).value).toBe('2');
      });

      it('stops a cell that waits on a host call past the timeout, keeping every variable', async () => {
        const { run, ok } = await open();
        await ok('const kept = 5;');
        const started = performance.now();
        const result = await run("await never('x');", { timeoutMs: 300 });
        expect(performance.now() - started).toBeLessThan(300 + stopGraceMs);
        expect(result.error?.kind).toBe('timeout');
        expect(result.stateLost).toBeUndefined();
        expect((await ok('kept + 2 + 2')).value).toBe('9');
      });

      it('stops a cell when its signal aborts', async () => {
        const { run, ok } = await open();
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const result = await run("await never('x');", { signal: controller.signal });
        expect(result.error?.kind).toBe('aborted');
        expect((await ok('3 + 3')).value).toBe('6');
      });

      it.skipIf(!memoryLimit)(
        'ends an allocation bomb with a memory error (or a restart), and the host survives',
        async () => {
          const { run, ok } = await open();
          await ok('const kept = 41;');
          const result = await run(
            'const chunks = [];\nwhile (true) chunks.push("x".repeat(1024 * 1024) + chunks.length);',
            { timeoutMs: 60_000 },
          );
          expectMemoryFailure(result);
          // A restart says so, and takes the variables with it; `context` and the functions are back.
          const after = await ok(
            "console.log(typeof context, context.length, typeof kept); await llm_query('x')",
          );
          expect(after.stdout).toBe(`string 44 ${result.stateLost ? 'undefined' : 'number'}\n`);
          if (result.stateLost !== undefined) expect(result.stateLost.length).toBeGreaterThan(0);
        },
        90_000,
      );

      it.skipIf(!memoryLimit)(
        'ends a typed-array allocation bomb with a memory error (or a restart)',
        async () => {
          const { run, ok } = await open();
          const result = await run(
            'const buffers = [];\nwhile (true) buffers.push(new Uint8Array(1024 * 1024));',
            { timeoutMs: 60_000 },
          );
          expectMemoryFailure(result);
          expect((await ok('context.length')).value).toBe('44');
        },
        90_000,
      );
    });

    describe('dispose', () => {
      it('releases the session; later cells reject clearly; a second dispose is harmless', async () => {
        const { session } = await open();
        await session.runCell('const x = 1;');
        await session.dispose();
        await session.dispose();
        await expect(session.runCell('x')).rejects.toThrow(/dispose/i);
      });

      it('disposes a session with a host call in flight', async () => {
        const { session } = await open();
        const running = session.runCell("await never('x');", { timeoutMs: 30_000 });
        await new Promise((resolve) => setTimeout(resolve, 50));
        await session.dispose();
        const result = await running.catch((error: unknown) => error);
        if (!(result instanceof Error)) expect((result as CellResult).error?.kind).toBe('aborted');
      });
    });

    describeCellOrderConformance(open);
    describeSessionSignalConformance(factory);
    describeDroppedCallConformance(open, stopGraceMs);
    if (capabilities.configure) {
      describeCommonOptionsConformance({ configure: capabilities.configure, interruptsSynchronousCode });
    }

    describeBusyCellConformance({
      factory,
      open,
      interruptsSynchronousCode,
      busyStopMs: capabilities.busyStopMs ?? 1_500,
      maxEventLoopLagMs: capabilities.maxEventLoopLagMs ?? 250,
    });

    describeSecurityConformance(factory, capabilities);
  });
}

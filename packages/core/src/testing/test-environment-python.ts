import { afterEach, describe, expect, it } from 'vitest';
import type { ContextValue } from '../environment/context-value';
import type { CellResult, HostFunction, ReplEnvironment } from '../environment/repl-environment';
import type { EnvironmentCapabilities } from './test-environment';
import { describePythonSecurityConformance } from './test-environment-python-security';
import {
  createSessionOpener,
  expectMemoryFailure,
  type OpenSessionOptions,
} from './test-environment-session';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Contexts of every shape, each of which must reach the cell exactly as given. */
const EXACT_CONTEXTS: readonly ContextValue[] = [
  // Joined by a separator none of them holds, or (the second: every separator is taken) as JSON.
  ['a\u0001b', 'x\u0000y', 'é€🚀', '', 'end'],
  ['\u0001', '\u0002', '\u0003', '\u001e', '\u001f'],
  'with a \u0000 NUL and é€🚀',
  null,
  { users: [{ name: 'ada', tags: ['x'] }], n: null, ok: true, ratio: 0.5, count: 42, empty: [] },
];

/** Samples how late a 10 ms timer chain fires while `during` runs: the host's event-loop lag. */
async function measureEventLoopLag<T>(during: () => Promise<T>): Promise<{ result: T; maxLagMs: number }> {
  let maxLagMs = 0;
  let running = true;
  let expected = performance.now() + 10;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - expected);
    expected = now + 10;
    if (running) timer = setTimeout(tick, 10);
  };
  timer = setTimeout(tick, 10);
  try {
    const result = await during();
    maxLagMs = Math.max(maxLagMs, performance.now() - expected);
    return { result, maxLagMs };
  } finally {
    running = false;
    clearTimeout(timer);
  }
}

const LIVE_RESOURCE_KINDS = ['ProcessWrap', 'PipeWrap', 'MessagePort', 'Worker', 'TCPWrap', 'TCPSocketWrap'];

function liveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (LIVE_RESOURCE_KINDS.includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * The Python flavour of `testEnvironment`: the same behaviours with Python cells (`print` for
 * `console.log`, `repr` for a cell's value, `await` of host functions, `asyncio.gather` for
 * `Promise.all`), and its own security section. `testEnvironment(factory, { language: 'python' })`
 * runs it.
 */
export function describePythonEnvironmentConformance(
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
  capabilities: EnvironmentCapabilities,
): void {
  const memoryLimit = capabilities.memoryLimit ?? true;
  const interrupts = capabilities.interruptsSynchronousCode ?? true;
  const stopGraceMs = capabilities.stopGraceMs ?? 5_000;
  const busyStopMs = capabilities.busyStopMs ?? 1_500;
  const maxEventLoopLagMs = capabilities.maxEventLoopLagMs ?? 250;

  describe('ReplEnvironment conformance (Python)', () => {
    const opener = createSessionOpener(factory);
    const open = (options?: OpenSessionOptions) => opener.open(options);

    afterEach(async () => {
      await opener.dispose();
    });

    describe('contract', () => {
      it('declares the v1 contract, an id and the python language', async () => {
        const environment = await factory();
        expect(environment.specificationVersion).toBe('v1');
        expect(environment.environmentId.length).toBeGreaterThan(0);
        expect(environment.language).toBe('python');
      });

      it('returns every field of a cell result', async () => {
        const { ok } = await open();
        const result = await ok('1 + 1');
        expect(result).toMatchObject({ stdout: '', stderr: '', droppedOutputChars: 0, value: '2' });
        expect(result.durationMs).toBeGreaterThanOrEqual(0);
        expect(result.final).toBeUndefined();
        expect(result.stateLost).toBeUndefined();
      });
    });

    describe('state', () => {
      it('keeps variables, functions, classes and imports across cells', async () => {
        const { ok } = await open();
        await ok(
          'import re\na = 1\nb, (c, *rest) = 2, (3, 4, 5)\ndef total():\n    return a + b + c + len(rest)\nclass Box:\n    four = 4',
        );
        expect((await ok('total() + Box().four + len(re.findall("o", "foo"))')).value).toBe('14');
      });

      it('runs top-level await, and async functions a cell defined', async () => {
        const { ok } = await open();
        await ok(
          'import asyncio\nasync def twice(x):\n    await asyncio.sleep(0)\n    return 2 * x\nlater = await twice(21)',
        );
        expect((await ok('later + await twice(0)')).value).toBe('42');
      });

      it('shows the repr of a last bare expression, and none after an assignment, a print or a semicolon', async () => {
        const { ok } = await open();
        expect((await ok('shown = [1, 2]\nshown')).value).toBe('[1, 2]');
        expect((await ok('"text"')).value).toBe("'text'");
        expect((await ok('{"a": 1}')).value).toBe("{'a': 1}");
        expect((await ok('hidden = 3')).value).toBeUndefined();
        expect((await ok('print("printed")')).value).toBeUndefined();
        expect((await ok('1 + 1;')).value).toBeUndefined();
        expect((await ok('None')).value).toBeUndefined();
      });
    });

    describe('output', () => {
      it('captures print and sys.stdout as stdout, sys.stderr and print(file=sys.stderr) as stderr', async () => {
        const { ok } = await open();
        const result = await ok(
          'import sys\nprint("hello", 42)\nsys.stdout.write("raw\\n")\nprint("oops", file=sys.stderr)\nsys.stderr.write("careful\\n")',
        );
        expect(result.stdout).toBe('hello 42\nraw\n');
        expect(result.stderr).toBe('oops\ncareful\n');
      });

      it('caps a flood of output inside the sandbox and counts what it dropped', async () => {
        const { run, ok } = await open();
        const result = await run('line = "x" * 999\nfor i in range(10000):\n    print(line)', {
          maxOutputChars: 100_000,
        });
        expect(result.error).toBeUndefined();
        expect(result.stdout.length).toBe(100_000);
        expect(result.droppedOutputChars).toBe(10_000_000 - 100_000);
        expect((await ok('print("still fine")')).stdout).toBe('still fine\n');
      });

      it('keeps the cell’s output when it replaced sys.stdout, print or builtins.print', async () => {
        const { ok } = await open();
        await ok('import sys, io, builtins\nsys.stdout = io.StringIO()\nprint = None');
        const result = await ok('builtins.print("back")\nprint("too")');
        expect(result.stdout).toBe('back\ntoo\n');
      });
    });

    describe('errors', () => {
      it('reports a raised exception with its name, message and line, and the session survives', async () => {
        const { run, ok } = await open();
        await ok('before = 7');
        const result = await run('a = 1\n\nNone.boom');
        expect(result.error).toMatchObject({ kind: 'runtime', name: 'AttributeError', line: 3 });
        expect(result.error?.message).toContain('boom');
        expect((await ok('before')).value).toBe('7');
      });

      it('reports an error raised after an await with its line', async () => {
        const { run } = await open();
        const result = await run("await llm_query('x')\nraise ValueError('too far')");
        expect(result.error).toMatchObject({
          kind: 'runtime',
          name: 'ValueError',
          message: 'too far',
          line: 2,
        });
      });

      it('reports a syntax error with its line, and runs nothing of the cell', async () => {
        const { run, ok } = await open();
        const result = await run('ran = True\ndef broken(:\n    pass');
        expect(result.error).toMatchObject({ kind: 'syntax', name: 'SyntaxError', line: 2 });
        expect((await ok("'ran' in globals()")).value).toBe('False');
      });

      it('finds the line in the cell of an error raised inside a function it defined', async () => {
        const { run } = await open();
        const result = await run('a = 1\ndef f():\n    return missing + 1\n\nf()');
        expect(result.error).toMatchObject({ kind: 'runtime', name: 'NameError', line: 3 });
        expect(result.error?.message).toContain('missing');
        expect(result.error?.stack ?? '').toMatch(/NameError/);
      });

      it('reports SystemExit and KeyboardInterrupt as errors of the cell, and the session goes on', async () => {
        const { run, ok } = await open();
        expect((await run('raise SystemExit(3)')).error).toMatchObject({
          kind: 'runtime',
          name: 'SystemExit',
        });
        expect((await run('import sys\nsys.exit("bye")')).error?.name).toBe('SystemExit');
        expect((await run('raise KeyboardInterrupt')).error?.name).toBe('KeyboardInterrupt');
        expect((await ok("await llm_query('next')")).value).toBe("'answer:next'");
      });
    });

    describe('context', () => {
      it('binds a string context as str', async () => {
        const { ok } = await open({ context: 'Zürich — 東京 🚀\nline two' });
        const result = await ok('print(type(context).__name__, len(context), context.split("\\n")[1])');
        // Python counts code points: the rocket is one.
        expect(result.stdout).toBe(`str ${[...'Zürich — 東京 🚀\nline two'].length} line two\n`);
      });

      it('binds a list of strings as list[str]', async () => {
        const { ok } = await open({ context: ['first doc', 'second doc', 'third'] });
        expect((await ok('print(type(context).__name__, len(context), context[1])')).stdout).toBe(
          'list 3 second doc\n',
        );
      });

      it('binds JSON data as Python dicts, lists and None', async () => {
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
          'print(context["users"][0]["tags"][1], len(context["users"]), context["n"] is None)',
        );
        expect(result.stdout).toBe('engines 2 True\n');
      });

      it('binds a 10 MB string context exactly', async () => {
        const text = `${'abcdefghi\n'.repeat(1_000_000)}é€🚀\u0000end`;
        const { ok } = await open({ context: text });
        const result = await ok('print(len(context), repr(context[-7:]), context.index("é"))');
        expect(result.stdout).toBe(`${[...text].length} 'é€🚀\\x00end' ${text.indexOf('é')}\n`);
      });

      it('passes every kind of context exactly, whatever characters it holds', async () => {
        for (const context of EXACT_CONTEXTS) {
          const { ok } = await open({ context });
          const result = await ok(
            'import json\nprint(json.dumps(context, ensure_ascii=False, separators=(",", ":")))',
          );
          expect(result.stdout, `the context ${JSON.stringify(context)}`).toBe(
            `${JSON.stringify(context)}\n`,
          );
        }
      });
    });

    describe('addContext', () => {
      it('binds later contexts next to `context`, restored after a cell assigns them, kept out of SHOW_VARS', async () => {
        const { ok, run, session } = await open();
        if (session.addContext === undefined) return;
        await ok('seen = len(context)');
        await session.addContext('context_1', ['doc a', 'doc b']);
        await session.addContext('history', [{ question: 'q1', answer: 'a1' }]);
        expect((await ok('print(len(context), seen, context_1[1], history[0]["answer"])')).stdout).toBe(
          '44 44 doc b a1\n',
        );
        await run('history = "mine"\ncontext_1 = None');
        expect((await ok('history[0]["answer"], context_1[0]')).value).toBe("('a1', 'doc a')");
        const shown = await ok('SHOW_VARS()');
        expect(shown.value ?? '').not.toMatch(/history|context_1/);
        expect((await ok('FINAL_VAR("history")')).final?.value).toContain('a1');
      });

      it('refuses names the REPL reserves and names that are not identifiers', async () => {
        const { session, ok } = await open();
        if (session.addContext === undefined) return;
        for (const name of [
          'context',
          'FINAL',
          'FINAL_VAR',
          'SHOW_VARS',
          'llm_query',
          'echo',
          '',
          '1st',
          'a.b',
          'class',
        ]) {
          await expect(session.addContext(name, 'hijack'), name).rejects.toThrow(/reserve|identifier/i);
        }
        expect((await ok('len(context), callable(FINAL), (await echo(1))["args"][0]')).value).toBe(
          '(44, True, 1)',
        );
      });

      it('is queued like a cell, and rejects once the session was disposed', async () => {
        const { session } = await open({ latencyMs: 50 });
        if (session.addContext === undefined) return;
        const before = session.runCell("await llm_query('wait')\n'context_1' in globals()");
        const adding = session.addContext('context_1', 'now');
        const after = session.runCell('context_1');
        expect((await before).value).toBe('False');
        await adding;
        expect((await after).value).toBe("'now'");
        await session.dispose();
        await expect(session.addContext('context_2', 'late')).rejects.toThrow(/dispose/i);
      });
    });

    describe('host functions', () => {
      it('are async and pass JSON arguments, keyword arguments as a trailing object, and results', async () => {
        const { ok, host } = await open();
        const result = await ok(
          'import inspect\npending = echo("a", 1, {"b": [True, None]})\nprint(inspect.isawaitable(pending))\n' +
            'echoed = await pending\nprint(echoed["args"], echoed["nested"], await nothing())\nawait echo("p", model="fast")',
        );
        expect(result.stdout).toBe("True\n['a', 1, {'b': [True, None]}] {'list': [1, 'two', None]} None\n");
        expect(host.calls.echo).toEqual([
          ['a', 1, { b: [true, null] }],
          ['p', { model: 'fast' }],
        ]);
      });

      it('run 16 llm_query calls concurrently through asyncio.gather', async () => {
        const latencyMs = 200;
        const { ok, host } = await open({ latencyMs });
        const started = performance.now();
        const result = await ok(
          'import asyncio\nanswers = await asyncio.gather(*[llm_query(f"p{i}") for i in range(16)])\nprint(len(answers), answers[15])',
        );
        const elapsed = performance.now() - started;
        expect(result.stdout).toBe('16 answer:p15\n');
        expect(host.peakInFlight()).toBe(16);
        expect(elapsed).toBeLessThan(latencyMs * 4);
      });

      it('turn a host rejection into a catchable exception with the message', async () => {
        const { ok } = await open();
        const result = await ok(
          "try:\n    await fail('x')\nexcept Exception as error:\n    print(isinstance(error, Exception), error)",
        );
        expect(result.stdout).toBe('True the host said no\n');
      });

      it('fail the cell with the message when a rejection is not caught', async () => {
        const { run } = await open();
        expect((await run("\nawait fail('x')")).error).toMatchObject({
          kind: 'runtime',
          message: 'the host said no',
          line: 2,
        });
      });

      it('refuse arguments that are not JSON data, saying so, without calling the host', async () => {
        const { run, host } = await open();
        for (const code of [
          'await echo({1, 2})',
          'await echo(object())',
          "await echo(float('nan'))",
          'await echo(b"x")',
        ]) {
          const result = await run(code);
          expect(result.error?.kind, code).toBe('runtime');
          expect(result.error?.message, code).toMatch(/JSON/);
        }
        expect(host.calls.echo).toBeUndefined();
      });
    });

    describe('FINAL and FINAL_VAR', () => {
      it('FINAL records strings as they are and other values as JSON', async () => {
        const { ok } = await open();
        expect((await ok("FINAL('the answer')")).final).toEqual({ source: 'FINAL', value: 'the answer' });
        expect((await ok("FINAL('42')")).final).toEqual({ source: 'FINAL', value: '42' });
        expect((await ok('FINAL(42)')).final).toMatchObject({ source: 'FINAL', value: '42' });
        const object = (await ok("FINAL({'city': 'Paris', 'n': [1]})")).final;
        expect(object?.value).toBe(JSON.stringify({ city: 'Paris', n: [1] }, null, 2));
        expect([undefined, 'json']).toContain(object?.format);
        expect((await ok('1')).final).toBeUndefined();
      });

      it('FINAL works after awaits, and FINAL() without a value is an error', async () => {
        const { ok, run } = await open();
        const result = await ok(
          "first = await llm_query('a')\nsecond = await llm_query('b')\nFINAL(first + ' ' + second)",
        );
        expect(result.final).toEqual({ source: 'FINAL', value: 'answer:a answer:b' });
        const empty = await run('FINAL()');
        expect(empty.error?.kind).toBe('runtime');
        expect(empty.final).toBeUndefined();
      });

      it("FINAL_VAR returns the variable's value (a tuple as JSON), not its name", async () => {
        const { ok } = await open();
        await ok("answer_text = 'Paris'\ntable = {'a': 1}\npair = ('x', 2)");
        expect((await ok("FINAL_VAR('answer_text')")).final).toEqual({
          source: 'FINAL_VAR',
          value: 'Paris',
          variableName: 'answer_text',
        });
        expect((await ok("FINAL_VAR('table')")).final?.value).toBe(JSON.stringify({ a: 1 }, null, 2));
        expect((await ok("FINAL_VAR('pair')")).final?.value).toBe(JSON.stringify(['x', 2], null, 2));
      });

      it('FINAL_VAR of a missing variable is a clear error; a string that is not a name is the answer itself', async () => {
        const { run, ok } = await open();
        const missing = await run("FINAL_VAR('missing')");
        expect(missing.error?.message).toContain("no variable named 'missing'");
        expect(missing.final).toBeUndefined();
        expect((await ok("FINAL_VAR('The answer is 42.')")).final).toMatchObject({
          source: 'FINAL_VAR',
          value: 'The answer is 42.',
        });
      });
    });

    describe('SHOW_VARS and reserved names', () => {
      it('SHOW_VARS lists the variables the model made, not modules or reserved names', async () => {
        const { ok } = await open();
        await ok("import json\nalpha = 'abc'\nbeta = [1, 2, 3]");
        const result = await ok('print(SHOW_VARS())');
        expect(result.stdout).toContain('alpha');
        expect(result.stdout).toContain('beta');
        for (const hidden of ['context', 'llm_query', 'FINAL', 'json', '__builtins__']) {
          expect(result.stdout).not.toMatch(new RegExp(`\\b${hidden}\\b`));
        }
      });

      it('restores reserved names a cell overwrote or deleted', async () => {
        const { run, ok } = await open();
        await run('context = 1\nFINAL = None\nllm_query = None\nSHOW_VARS = 0');
        await run('del FINAL_VAR\ndel context');
        const result = await ok(
          'print(type(context).__name__, len(context), callable(FINAL), callable(FINAL_VAR), callable(llm_query), callable(SHOW_VARS))\n' +
            "await llm_query('still works')",
        );
        expect(result.stdout).toBe('str 44 True True True True\n');
      });
    });

    describe('limits', () => {
      it.skipIf(!interrupts)(
        'stops `while True: pass` at the timeout, and the session is usable after',
        async () => {
          const { run, ok } = await open();
          await ok('kept = 5');
          const started = performance.now();
          const result = await run('while True:\n    pass', { timeoutMs: 300 });
          expect(performance.now() - started).toBeLessThan(300 + stopGraceMs);
          expect(result.error?.kind).toBe('timeout');
          expect((await ok("kept if 'kept' in globals() else len(context)")).value).toBe(
            result.stateLost ? '44' : '5',
          );
        },
      );

      it('stops a cell that waits on a host call past the timeout, keeping every variable', async () => {
        const { run, ok } = await open();
        await ok('kept = 5');
        const started = performance.now();
        const result = await run("await never('x')", { timeoutMs: 300 });
        expect(performance.now() - started).toBeLessThan(300 + stopGraceMs);
        expect(result.error?.kind).toBe('timeout');
        expect(result.stateLost).toBeUndefined();
        expect((await ok('kept + 4')).value).toBe('9');
      });

      it('stops a cell when its signal aborts', async () => {
        const { run, ok } = await open();
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const result = await run("await never('x')", { signal: controller.signal });
        expect(result.error?.kind).toBe('aborted');
        expect((await ok('3 + 3')).value).toBe('6');
      });

      it('ends deep recursion in a RecursionError; the variables stay', async () => {
        const { run, ok } = await open();
        await ok('kept = 1');
        const result = await run('def down(n):\n    return down(n + 1)\ndown(0)', { timeoutMs: 30_000 });
        expect(result.error).toMatchObject({ kind: 'runtime', name: 'RecursionError' });
        expect((await ok('kept')).value).toBe('1');
      });

      it.skipIf(!memoryLimit)(
        'ends an allocation bomb with a memory error (or a restart), and the host survives',
        async () => {
          const { run, ok } = await open();
          await ok('kept = 41');
          const result = await run(
            'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))',
            {
              timeoutMs: 60_000,
            },
          );
          expectMemoryFailure(result);
          const after = await ok(
            "print(type(context).__name__, len(context), 'kept' in globals())\nawait llm_query('x')",
          );
          expect(after.stdout).toBe(`str 44 ${result.stateLost ? 'False' : 'True'}\n`);
        },
        90_000,
      );
    });

    describe('cell order and dropped calls', () => {
      it('runs cells one at a time, in the order they were given', async () => {
        const { session } = await open({ latencyMs: 30 });
        const finished: number[] = [];
        const cells = [
          "await llm_query('slow')\norder = [1]",
          'order.append(2)',
          "await llm_query('slow')\norder.append(3)",
          'order',
        ].map((code, index) =>
          session.runCell(code).then((result) => {
            finished.push(index + 1);
            return result;
          }),
        );
        const results = await Promise.all(cells);
        for (const result of results) expect(result.error).toBeUndefined();
        expect(results[3]?.value).toBe('[1, 2, 3]');
        expect(finished).toEqual([1, 2, 3, 4]);
      });

      it('aborts the signal of a call its cell left running, and a later cell that awaits it is told so', async () => {
        const { ok, run, host } = await open();
        await ok(
          "import asyncio\npending = asyncio.ensure_future(never('dropped'))\nawait asyncio.sleep(0.01)\n'moved on'",
        );
        const timedOut = await run("await never('timed out')", { timeoutMs: 200 });
        expect(timedOut.error?.kind).toBe('timeout');
        const deadline = performance.now() + stopGraceMs;
        while (host.neverSignals.some((signal) => !signal.aborted) && performance.now() < deadline) {
          await sleep(10);
        }
        expect(host.neverSignals.map((signal) => signal.aborted)).toEqual([true, true]);
        const later = await run('await pending');
        expect(later.error?.message).toMatch(/still running when its cell ended/);
        expect((await ok("await llm_query('next')")).value).toBe("'answer:next'");
      });
    });

    describe('dispose and the session signal', () => {
      it('releases the session; later cells reject clearly; a second dispose is harmless', async () => {
        const { session } = await open();
        await session.runCell('x = 1');
        await session.dispose();
        await session.dispose();
        await expect(session.runCell('x')).rejects.toThrow(/dispose/i);
      });

      it("disposes the session when the session's signal aborts, failing the running cell", async () => {
        const environment = await factory();
        const controller = new AbortController();
        let started = false;
        const never: HostFunction = () => {
          started = true;
          return new Promise(() => {});
        };
        const session = await environment.createSession({
          context: 'x',
          hostFunctions: { never },
          signal: controller.signal,
        });
        try {
          const running = session.runCell("await never('x')", { timeoutMs: 30_000 });
          while (!started) await sleep(10);
          controller.abort();
          expect((await running).error?.kind).toBe('aborted');
          await expect(session.runCell('1')).rejects.toThrow(/dispose/i);
        } finally {
          await session.dispose();
        }
      });

      it('starts no session when its signal was already aborted, saying why', async () => {
        const environment = await factory();
        const controller = new AbortController();
        controller.abort();
        const creating = Promise.resolve().then(() =>
          environment.createSession({ context: 'x', hostFunctions: {}, signal: controller.signal }),
        );
        await expect(creating).rejects.toThrow(/abort/i);
      });
    });

    if (capabilities.configure) {
      const configure = capabilities.configure;
      describe('common options', () => {
        it('gives a cell with no limits of its own the environment’s defaults, and refuses bad values by name', async () => {
          const environment = await configure({ defaultTimeoutMs: 300, defaultMaxOutputChars: 5 });
          const session = await environment.createSession({
            context: 'x',
            hostFunctions: { never: () => new Promise(() => {}) },
          });
          try {
            expect((await session.runCell("await never('x')")).error?.kind).toBe('timeout');
            const printed = await session.runCell('print("0123456789")');
            expect(printed.stdout).toBe('01234');
            expect(printed.droppedOutputChars).toBe(6);
          } finally {
            await session.dispose();
          }
          for (const bad of [
            { defaultTimeoutMs: 0 },
            { defaultMaxOutputChars: -1 },
            { defaultTimeoutMs: 1.5 },
          ]) {
            const name = Object.keys(bad)[0] as string;
            await expect(
              Promise.resolve().then(() => configure(bad)),
              name,
            ).rejects.toThrow(new RegExp(name));
          }
        });
      });
    }

    describe('busy cells', () => {
      it.skipIf(!interrupts)(
        `stops a busy cell within ${busyStopMs} ms of an abort, and the host's event loop stays responsive`,
        async () => {
          const { run, ok } = await open();
          const controller = new AbortController();
          let abortedAt = 0;
          const abortTimer = setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, 500);
          const { result, maxLagMs } = await measureEventLoopLag(() =>
            run('while True:\n    pass', { timeoutMs: 60_000, signal: controller.signal }),
          );
          clearTimeout(abortTimer);
          expect(abortedAt, 'the abort never fired: the event loop was blocked').toBeGreaterThan(0);
          expect(result.error?.kind).toBe('aborted');
          expect(performance.now() - abortedAt).toBeLessThan(busyStopMs);
          expect(maxLagMs).toBeLessThan(maxEventLoopLagMs);
          expect((await ok('1 + 1')).value).toBe('2');
        },
      );

      it('disposes a session and its environment leaving nothing that keeps the host alive', async () => {
        const before = liveResources();
        const environment = await factory();
        const session = await environment.createSession({ context: 'x', hostFunctions: {} });
        expect((await session.runCell('1 + 1')).value).toBe('2');
        await session.dispose();
        await environment.dispose?.();
        await sleep(100);
        const after = liveResources();
        for (const kind of LIVE_RESOURCE_KINDS)
          expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
      });
    });

    describePythonSecurityConformance(factory, capabilities);
  });
}

/** A cell result's texts, for checks that look for something in all of them. */
export function pythonResultTexts(result: CellResult): string {
  return [
    result.stdout,
    result.stderr,
    result.value ?? '',
    result.error?.message ?? '',
    result.error?.stack ?? '',
  ].join('\n');
}

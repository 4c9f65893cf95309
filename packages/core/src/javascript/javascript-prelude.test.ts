import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  JAVASCRIPT_PRELUDE_SOURCE,
  type JavaScriptPreludeBridge,
  type JavaScriptPreludeCellOutput,
  type JavaScriptPreludeControl,
  type JavaScriptPreludeOptions,
} from './javascript-prelude';

// node:vm is no sandbox, but it gives the prelude a fresh global object, which is all these tests need.
function startPrelude(
  options: Partial<JavaScriptPreludeOptions> = {},
  hostCall: JavaScriptPreludeBridge['hostCall'] = async () => '',
) {
  const sandbox = vm.createContext({});
  const prelude = vm.runInContext(JAVASCRIPT_PRELUDE_SOURCE, sandbox) as (
    bridge: JavaScriptPreludeBridge,
    options: JavaScriptPreludeOptions,
  ) => JavaScriptPreludeControl;
  // The bridge's promise must be the sandbox's own, as environments create it inside.
  const SandboxPromise = vm.runInContext('Promise', sandbox) as PromiseConstructor;
  const bridge = {
    hostCall: (name: string, argsJson: string) =>
      new SandboxPromise<string>((resolve, reject) => hostCall(name, argsJson).then(resolve, reject)),
  };
  const control = prelude(bridge, { hostFunctionNames: [], ...options });
  const run = (code: string) => vm.runInContext(code, sandbox) as unknown;
  const cell = async (code: string, maxOutputChars = 1_000_000) => {
    control.beginCell(maxOutputChars);
    let value: unknown;
    let error: unknown;
    try {
      value = await run(`(async () => { ${code} })()`);
    } catch (caught) {
      error = caught;
    }
    const output = JSON.parse(control.endCell()) as JavaScriptPreludeCellOutput;
    return { ...output, value, error };
  };
  return { control, run, cell };
}

describe('JavaScript prelude', () => {
  it('defines context from a value or from JSON text', () => {
    expect(startPrelude({ context: 'abc' }).run('context')).toBe('abc');
    expect(startPrelude({ contextJson: '{"a":[1,{"b":2}]}' }).run('context.a[1].b')).toBe(2);
  });

  it('captures console output by stream and formats values like Node, roughly', async () => {
    const { cell } = startPrelude();
    const output = await cell(`
      console.log('text', 42, -0, undefined, null, [1, 'two', { three: 3 }]);
      console.info({ nested: { deeper: { deepest: { gone: 1 } } } });
      const cyclic = { name: 'c' }; cyclic.self = cyclic; console.debug(cyclic);
      console.log(new Map([['k', 1]]), new Set([1]), function named() {}, class Klass {});
      console.error('bad'); console.warn(new TypeError('worse'));
    `);
    expect(output.stdout.split('\n')).toEqual([
      `text 42 -0 undefined null [ 1, "two", { three: 3 } ]`,
      '{ nested: { deeper: { deepest: [Object] } } }',
      `{ name: "c", self: [Circular] }`,
      'Map(1) { "k" => 1 } Set(1) { 1 } [Function: named] [class Klass]',
      '',
    ]);
    expect(output.stderr).toMatch(/^bad\nTypeError: worse\n/);
  });

  it('caps output inside the sandbox and counts what it dropped', async () => {
    const { cell } = startPrelude();
    const output = await cell(`for (let i = 0; i < 1000; i++) console.log('x'.repeat(99));`, 1_000);
    expect(output.stdout).toHaveLength(1_000);
    expect(output.droppedOutputChars).toBe(100_000 - 1_000);
    const next = await cell(`console.error('fine')`);
    expect(next).toMatchObject({ stderr: 'fine\n', droppedOutputChars: 0 });
  });

  it('records FINAL: strings as they are, other values as pretty JSON marked as such, the last call wins', async () => {
    const { cell, run } = startPrelude();
    expect((await cell(`FINAL('the answer')`)).final).toEqual({ source: 'FINAL', value: 'the answer' });
    expect((await cell(`FINAL('42')`)).final).toEqual({ source: 'FINAL', value: '42' });
    expect((await cell(`FINAL(42)`)).final).toEqual({ source: 'FINAL', value: '42', format: 'json' });
    run('var rows = [{ n: 1 }];');
    expect((await cell(`FINAL_VAR('rows')`)).final).toEqual({
      source: 'FINAL_VAR',
      value: '[\n  {\n    "n": 1\n  }\n]',
      variableName: 'rows',
      format: 'json',
    });
    expect((await cell(`FINAL(10n)`)).final?.format).toBeUndefined();
    expect((await cell(`FINAL({ a: [1] }); FINAL({ b: 2 })`)).final?.value).toBe('{\n  "b": 2\n}');
    expect((await cell(`1 + 1`)).final).toBeNull();
    const missing = await cell(`FINAL()`);
    expect(String(missing.error)).toMatch(/FINAL\(value\) was called without a value/);
    const unawaited = await cell(`FINAL(Promise.resolve(1))`);
    expect(String(unawaited.error)).toMatch(/await it first/);
  });

  it('FINAL_VAR returns the value of the variable, never its name', async () => {
    const { cell, run } = startPrelude();
    run(`var answer = 'Paris'; var counts = { a: 1 };`);
    expect((await cell(`FINAL_VAR('answer')`)).final).toEqual({
      source: 'FINAL_VAR',
      value: 'Paris',
      variableName: 'answer',
    });
    expect((await cell(`FINAL_VAR('counts')`)).final?.value).toBe('{\n  "a": 1\n}');
    const missing = await cell(`FINAL_VAR('nothing')`);
    expect(String(missing.error)).toContain("FINAL_VAR: there is no variable named 'nothing'");
    expect(missing.final).toBeNull();
    expect((await cell(`FINAL_VAR('The answer is Paris.')`)).final).toEqual({
      source: 'FINAL_VAR',
      value: 'The answer is Paris.',
    });
    expect((await cell(`FINAL_VAR(7)`)).final?.value).toBe('7');
  });

  it('SHOW_VARS lists the variables the model made, not builtins or reserved names', async () => {
    const { cell, run } = startPrelude({ context: 'ctx', hostFunctionNames: ['llm_query'] });
    run(`var lines = ['a', 'b']; var text = 'hello'; var n = 3; var table = { x: 1, y: 2 };`);
    const listing = (await cell(`return SHOW_VARS()`)).value as string;
    expect(listing).toBe(
      [
        'Variables (4):',
        '  lines: array, 2 items',
        '  n: number, 3',
        '  table: object, 2 keys',
        '  text: string, 5 chars',
      ].join('\n'),
    );
  });

  it('restores reserved names a cell overwrote, and they cannot be deleted', async () => {
    const { cell, run } = startPrelude({ context: 'original', hostFunctionNames: ['llm_query'] });
    const during = await cell(`
      context = 1; FINAL = null; llm_query = undefined; console.log = null; delete globalThis.SHOW_VARS;
      return [context, FINAL, llm_query, typeof SHOW_VARS];
    `);
    expect(during.value).toEqual([1, null, undefined, 'function']);
    expect(run(`[context, typeof FINAL, typeof llm_query, typeof console.log]`)).toEqual([
      'original',
      'function',
      'function',
      'function',
    ]);
  });

  it('keeps working when model code replaces the intrinsics it uses', async () => {
    const { cell } = startPrelude({ context: 'c', hostFunctionNames: ['llm_query'] }, async (_name, args) =>
      JSON.stringify({ echoed: JSON.parse(args) }),
    );
    const broken = await cell(`
      JSON.stringify = () => 'x'; JSON.parse = () => 'y'; Array.prototype.join = null;
      String.prototype.slice = null; Object.keys = null; Function.prototype.call = null;
      Promise.prototype.then = null; Array.prototype[Symbol.iterator] = null; Object.defineProperty = null;
      console.log({ a: [1, 2] });
      FINAL({ ok: true });
    `);
    expect(broken.stdout).toBe('{ a: [ 1, 2 ] }\n');
    expect(broken.final?.value).toBe('{\n  "ok": true\n}');
  });

  it('calls host functions through the bridge, concurrently, and maps rejections to Errors', async () => {
    const calls: [string, string][] = [];
    let inFlight = 0;
    let peak = 0;
    const { cell } = startPrelude({ hostFunctionNames: ['llm_query', 'tool'] }, async (name, argsJson) => {
      calls.push([name, argsJson]);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight--;
      if (name === 'tool') throw new Error('tool exploded');
      return JSON.stringify(`answer to ${JSON.parse(argsJson)[0]}`);
    });
    const output = await cell(`
      const answers = await Promise.all([1, 2, 3].map((n) => llm_query('q' + n, undefined)));
      let caught; try { await tool({ x: 1 }); } catch (e) { caught = e instanceof Error && e.message; }
      return [answers, caught];
    `);
    expect(output.value).toEqual([['answer to q1', 'answer to q2', 'answer to q3'], 'tool exploded']);
    expect(peak).toBe(3);
    expect(calls[0]).toEqual(['llm_query', '["q1"]']);
    expect(calls[3]).toEqual(['tool', '[{"x":1}]']);
  });

  it('drops results of host calls a cell left running, and rejects them at the next cell', async () => {
    let release: (value: string) => void = () => {};
    const { cell, run } = startPrelude({ hostFunctionNames: ['llm_query'] }, () => {
      return new Promise<string>((resolve) => {
        release = resolve;
      });
    });
    await cell(`globalThis.pending = llm_query('slow'); pending.then(() => FINAL('late'), () => {});`);
    release('"too late"');
    const next = await cell(`try { await pending; } catch (e) { return e.message; }`);
    expect(next.value).toMatch(/still running when its cell ended/);
    expect(next.final).toBeNull();
    expect(run('typeof llm_query')).toBe('function');
  });

  it('after a cell ended, its leftovers print nothing, set no FINAL and never reach the host again', async () => {
    const calls: string[] = [];
    const { cell, control, run } = startPrelude({ hostFunctionNames: ['llm_query'] }, (_name, argsJson) => {
      calls.push(argsJson);
      return new Promise<string>(() => {});
    });
    // A callback that re-arms itself on every failure: left alone it would spin and call the host forever.
    await cell(`
      globalThis.rearmed = 0;
      const again = () => { rearmed++; console.log('LATE'); FINAL('late'); llm_query('again').catch(again); };
      llm_query('first').catch(again);
    `);
    expect(control.dropCalls()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(run('rearmed')).toBe(1);
    expect(calls).toEqual(['["first"]']);
    const next = await cell('return 1;');
    expect(next).toMatchObject({ stdout: '', stderr: '', final: null, value: 1 });
    expect(calls).toEqual(['["first"]']);
    // The dropped call's promise tells a later cell what happened.
    await cell(`globalThis.kept = llm_query('kept');`);
    control.dropCalls();
    const later = await cell(`try { await kept; } catch (e) { return e.message; }`);
    expect(later.value).toMatch(/still running when its cell ended/);
  });

  it('hands the host at most maxHostCallsInFlight calls at once; the rest wait in order inside', async () => {
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const { cell } = startPrelude(
      { hostFunctionNames: ['llm_query'], maxHostCallsInFlight: 4 },
      async (_name, argsJson) => {
        started.push(JSON.parse(argsJson)[0] as number);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        return argsJson;
      },
    );
    const output = await cell(`
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => llm_query(i)));
      return answers.map((a) => a[0]).join(',');
    `);
    expect(output.value).toBe(Array.from({ length: 40 }, (_, i) => i).join(','));
    expect(peak).toBe(4);
    expect(started).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('bounds the characters of arguments with the host, and refuses one call larger than that', async () => {
    let charsWithHost = 0;
    let peakChars = 0;
    const { cell } = startPrelude(
      { hostFunctionNames: ['llm_query'], maxHostCallCharsInFlight: 1000 },
      async (_name, argsJson) => {
        charsWithHost += argsJson.length;
        peakChars = Math.max(peakChars, charsWithHost);
        await new Promise((resolve) => setTimeout(resolve, 1));
        charsWithHost -= argsJson.length;
        return '"ok"';
      },
    );
    const output = await cell(`
      const answers = await Promise.all(Array.from({ length: 12 }, () => llm_query('x'.repeat(400))));
      let refused; try { await llm_query('y'.repeat(2000)); } catch (e) { refused = e.name + ': ' + e.message; }
      return [answers.length, refused];
    `);
    const [count, refused] = output.value as [number, string];
    expect(count).toBe(12);
    expect(peakChars).toBeLessThanOrEqual(1000);
    expect(peakChars).toBeGreaterThan(400);
    expect(refused).toMatch(
      /^RangeError: llm_query: the arguments are 2004 characters of JSON, more than the 1000 one call may carry/,
    );
  });

  it('removes the globals that let code outlive its cell or allocate uncounted memory', () => {
    const { run } = startPrelude();
    expect(
      run(
        `[typeof WebAssembly, typeof FinalizationRegistry, typeof Atomics.wait, typeof Atomics.waitAsync, typeof Atomics.add, typeof WeakRef]`,
      ),
    ).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'function', 'function']);
    expect(
      run(
        `'WebAssembly' in globalThis || Object.getOwnPropertyNames(globalThis).includes('FinalizationRegistry')`,
      ),
    ).toBe(false);
  });

  it('refuses to start when a global it must remove cannot be removed', () => {
    const sandbox = vm.createContext({});
    vm.runInContext(
      `Object.defineProperty(globalThis, 'FinalizationRegistry', { value: function () {}, configurable: false })`,
      sandbox,
    );
    const prelude = vm.runInContext(JAVASCRIPT_PRELUDE_SOURCE, sandbox) as (
      b: unknown,
      o: unknown,
    ) => unknown;
    expect(() => prelude({ hostCall: () => Promise.resolve('') }, { hostFunctionNames: [] })).toThrow(
      /could not remove FinalizationRegistry/,
    );
  });

  it('describes thrown values: errors with a stack that starts with name and message, and non-errors', () => {
    const { control, run } = startPrelude();
    const error = control.describeError(run(`new RangeError('too far')`));
    expect(error).toMatchObject({ name: 'RangeError', message: 'too far' });
    expect(error.stack.startsWith('RangeError: too far\n')).toBe(true);
    expect({ ...control.describeError('oops') }).toEqual({
      name: 'Error',
      message: 'oops',
      stack: 'Error: oops',
    });
    expect(control.describeError({ code: 1 }).message).toBe('{ code: 1 }');
  });

  it('formats a last value for display, and nothing for undefined', () => {
    const { control, run } = startPrelude();
    expect(control.formatValue(undefined)).toBeUndefined();
    expect(control.formatValue('a\nb')).toBe('"a\\nb"');
    expect(control.formatValue(run('[1, [2, [3, [4, [5]]]]]'))).toBe('[ 1, [ 2, [ 3, [Array(2)] ] ] ]');
    expect(control.formatValue(run('Array.from({ length: 150 }, (_, i) => i)'))).toMatch(
      /\.\.\. 50 more items/,
    );
    expect(control.formatValue(run('({ get lazy() { throw 1; } })'))).toBe('{ lazy: [Getter] }');
  });
});

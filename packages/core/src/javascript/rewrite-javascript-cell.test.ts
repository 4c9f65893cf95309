import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { findCellErrorLocation } from './cell-error-location';
import { type RewrittenJavaScriptCell, rewriteJavaScriptCell } from './rewrite-javascript-cell';

/** A persistent REPL over one `vm` context: each cell is rewritten, then run as its own script. */
function createRepl() {
  const context = vm.createContext({ setTimeout });
  let cellCount = 0;

  function rewrite(source: string): RewrittenJavaScriptCell {
    const rewritten = rewriteJavaScriptCell(source);
    if (!rewritten.ok) throw new Error(`unexpected syntax error: ${rewritten.error.message}`);
    return rewritten;
  }

  /** Runs a cell and resolves to its value. */
  async function run(source: string): Promise<unknown> {
    cellCount += 1;
    const script = new vm.Script(rewrite(source).code, { filename: `cell-${cellCount}.js` });
    return await script.runInContext(context);
  }

  /** Runs a cell that must throw; returns what it threw and where in the cell it says it was. */
  async function runFailing(source: string) {
    cellCount += 1;
    const fileName = `cell-${cellCount}.js`;
    const rewritten = rewrite(source);
    try {
      await new vm.Script(rewritten.code, { filename: fileName }).runInContext(context);
    } catch (error) {
      const { name, message, stack } = error as Error;
      return {
        name,
        message,
        location: findCellErrorLocation(stack ?? '', fileName, rewritten.firstLineColumnOffset),
      };
    }
    throw new Error('the cell did not throw');
  }

  return { run, runFailing };
}

/** Values made in the `vm` context belong to another realm: compare them as JSON. */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('rewriteJavaScriptCell: state across cells', () => {
  it('keeps let, const and var as globals for later cells', async () => {
    const { run } = createRepl();
    await run('let a = 1\nconst b = 2\nvar c = 3');
    expect(await run('a + b + c')).toBe(6);
  });

  it('lets a later cell redeclare a name with let, const or var', async () => {
    const { run } = createRepl();
    await run('let x = 1');
    await run('let x = 2');
    expect(await run('x')).toBe(2);
    await run('const x = 3');
    expect(await run('x')).toBe(3);
    await run('var x = 4');
    expect(await run('x')).toBe(4);
  });

  it('resets `let x;` to undefined but keeps the value of `var y;`, as JavaScript does', async () => {
    const { run } = createRepl();
    await run('let x = 5; var y = 6');
    expect(await run('let x;\nvar y;\n[typeof x, y]')).toEqual(['undefined', 6]);
  });

  it('handles several declarators in one declaration', async () => {
    const { run } = createRepl();
    await run('let a = 1, b = a + 1, c;\nconst d = 4, e = () => d');
    expect(asJson(await run('[a, b, c === undefined, d, e()]'))).toEqual([1, 2, true, 4, 4]);
  });

  it('keeps destructured names: object, array, nested, defaults, rest', async () => {
    const { run } = createRepl();
    await run(
      [
        'const { p, q: renamed, ...others } = { p: 1, q: 2, r: 3, s: 4 }',
        'let [first, , third = 30, ...tail] = [1, 2, undefined, 4, 5]',
        'var { deep: [{ leaf }], missing = "default" } = { deep: [{ leaf: "L" }] }',
      ].join('\n'),
    );
    expect(asJson(await run('[p, renamed, others, first, third, tail, leaf, missing]'))).toEqual([
      1,
      2,
      { r: 3, s: 4 },
      1,
      30,
      [4, 5],
      'L',
      'default',
    ]);
  });

  it('does not let a destructuring call the previous line when that line has no semicolon', async () => {
    const { run } = createRepl();
    expect(await run('let n = 1\nlet [a, b] = [n, 2]\nlet {c} = {c: 3}\na + b + c')).toBe(6);
  });

  it('keeps functions: callable before their line, from later cells, and after being redefined', async () => {
    const { run } = createRepl();
    expect(await run('const early = double(4)\nfunction double(n) { return n * 2 }\nearly')).toBe(8);
    expect(await run('double(21)')).toBe(42);
    await run(
      'async function fetchTwice(n) { return double(await n) }\nfunction* count() { yield 1; yield 2 }',
    );
    expect(await run('[await fetchTwice(Promise.resolve(5)), ...count()].join()')).toBe('10,1,2');
    await run('function double(n) { return n * 3 }');
    expect(await run('double(2)')).toBe(6);
    await run('let double = 7');
    expect(await run('double')).toBe(7);
  });

  it('lets functions see names the same cell declares after them', async () => {
    const { run } = createRepl();
    await run('function scaled() { return factor * 10 }\nlet factor = 2');
    expect(await run('scaled()')).toBe(20);
    await run('factor = 3');
    expect(await run('scaled()')).toBe(30);
  });

  it('keeps classes, which later cells can use and extend', async () => {
    const { run } = createRepl();
    await run('class Counter {\n  count = 0\n  add() { return ++this.count }\n}\n(1)');
    expect(await run('const counter = new Counter(); counter.add(); counter.add()')).toBe(2);
    expect(await run('counter.count')).toBe(2);
    await run('class Named extends Counter { name() { return Named.name + this.add() } }');
    expect(await run('new Named().name()')).toBe('Named1');
  });

  it('leaves block, loop and function declarations local, but makes a nested var global like a script does', async () => {
    const { run } = createRepl();
    await run(
      [
        '{ let blockLet = 1; const blockConst = 2 }',
        'for (let i = 0; i < 2; i++) {}',
        'function local() { var inner = 1; let innerLet = 2 }',
        'const arrow = () => { var arrowVar = 1 }',
        'if (true) { var fromBlock = "block" }',
        'for (var k = 0; k < 3; k++) {}',
        'for (var [m, n] of [[1, 2]]) {}',
        'for (var { r } of [{ r: "r" }]) {}',
        'if (false) var chosen = "then"; else var chosen = "else"',
        'if (false) var unsettled = "then"',
        'else var unsettled = "else"',
        'switch (1) { case 1: var fromCase = "case" }',
      ].join('\n'),
    );
    const names = 'blockLet blockConst i inner innerLet arrowVar'.split(' ');
    expect(await run(`[${names.map((name) => `typeof ${name}`).join(', ')}].join()`)).toBe(
      names.map(() => 'undefined').join(),
    );
    expect(await run('[fromBlock, k, m, n, r, chosen, unsettled, fromCase].join()')).toBe(
      'block,3,1,2,r,else,else,case',
    );
  });

  it('keeps what a failing cell assigned before it threw', async () => {
    const { run } = createRepl();
    await expect(run('let before = 1\nthrow new Error("stop")\nlet after = 2')).rejects.toThrow('stop');
    expect(await run('[before, typeof after].join()')).toBe('1,undefined');
  });

  it('reports the declared names and keeps every line on its line number', () => {
    const source = 'let { a, b: [c] } = o\nfunction f() {}\nclass C {}\nvar d\n{ let e }\nf()';
    const rewritten = rewriteJavaScriptCell(source);
    if (!rewritten.ok) throw new Error('expected a rewrite');
    expect(rewritten.declaredNames).toEqual(['a', 'c', 'f', 'C', 'd']);
    const lines = rewritten.code.split('\n');
    expect(lines).toEqual([
      'var a, c, f, C, d; this.__rlmCell = (async () => {;0, { a, b: [c] } = o})();',
      'function f() {}this.__rlmCell = (async () => {await this.__rlmCell;',
      ';C = class C {};',
      ';0, d',
      '{ let e }',
      'return (f());',
      '})(); [this.__rlmCell, delete this.__rlmCell][0]',
    ]);
    expect(lines[0]!.slice(rewritten.firstLineColumnOffset)).toBe(';0, { a, b: [c] } = o})();');
  });

  it('wraps a cell without top-level functions in one async function', () => {
    const rewritten = rewriteJavaScriptCell('let x;\nx = await 1 // set\nx');
    if (!rewritten.ok) throw new Error('expected a rewrite');
    expect(rewritten.code).toBe(
      'var x; x = void 0; (async () => {;0, x;\nx = await 1 // set\nreturn (x);\n})()',
    );
    expect(rewritten.firstLineColumnOffset).toBe('var x; x = void 0; (async () => {'.length);
  });
});

describe('rewriteJavaScriptCell: top-level functions', () => {
  it('lets the functions of earlier cells call a later fix of their neighbour', async () => {
    const { run } = createRepl();
    await run('let context = "a,b|c\\nd|e"');
    await run(
      [
        "function parse(line) { return line.split(',') }   // buggy",
        "function countLabels() { return context.split('\\n').map(parse).flat().length }",
      ].join('\n'),
    );
    expect(await run('countLabels()')).toBe(3);
    await run("function parse(line) { return line.split('|') }    // the fix");
    expect(await run('countLabels()')).toBe(4);
    await run('function helper() { return "old" }\nfunction main() { return helper() }');
    await run('function helper() { return "new" }');
    expect(await run('[helper(), main()].join()')).toBe('new,new');
  });

  it('calls a function before its line in the same cell, from the first and from a later run', async () => {
    const { run } = createRepl();
    const source = [
      'const first = main()',
      'function main() { return "main" }',
      'const second = later()',
      'function later() { return "later" }',
      '[first, second].join()',
    ].join('\n');
    expect(await run(source)).toBe('main,later');
  });

  it('runs mutually recursive functions, and a later cell can replace one of them', async () => {
    const { run } = createRepl();
    const source = [
      'function isEven(n) { return n === 0 ? true : isOdd(n - 1) }',
      'const answer = [isEven(10), isOdd(7)]',
      'function isOdd(n) { return n === 0 ? false : isEven(n - 1) }',
      'answer.join()',
    ].join('\n');
    expect(await run(source)).toBe('true,true');
    await run('function isOdd(n) { return "patched" }');
    expect(await run('isEven(3)')).toBe('patched');
  });

  it('runs the statements around a function declared between two awaits in order', async () => {
    const { run } = createRepl();
    const source = [
      'const log = []',
      'log.push(await new Promise((resolve) => setTimeout(() => resolve("first"), 5)))',
      'function describe() { return log.join("+") }',
      'log.push(await Promise.resolve("second"))',
      'describe()',
    ].join('\n');
    expect(await run(source)).toBe('first+second');
    expect(await run('describe()')).toBe('first+second');
  });

  it('keeps async function and generator declarations between runs, hoisted and global', async () => {
    const { run } = createRepl();
    const source = [
      'const before = [...range(2)]',
      'async function* ticks() { yield 1; yield 2 }',
      'let total = 0',
      'for await (const tick of ticks()) total += tick',
      'function* range(n) { for (let i = 0; i < n; i++) yield i }',
      'async function later() { return total }',
      'before.concat(await later())',
    ].join('\n');
    expect(asJson(await run(source))).toEqual([0, 1, 3]);
    expect(await run('[...range(3)].length + (await later())')).toBe(6);
  });

  it('returns the last expression after a function declaration, and undefined when a function ends the cell', async () => {
    const { run } = createRepl();
    expect(await run('let n = 20\nfunction add(m) { return n + m }\nadd(1) + add(1)')).toBe(42);
    expect(await run('function twice(m) { return 2 * m };\ntwice(4);;')).toBe(8);
    expect(await run('function f(){}f()')).toBeUndefined();
    expect(await run('function g(){ return 1 }g()')).toBe(1);
    expect(await run('let x = 1\nfunction h() {}')).toBeUndefined();
    expect(
      await run('let y = await Promise.resolve(1)\nfunction i() {}\nfunction j() {}\n;'),
    ).toBeUndefined();
    expect(await run('function k() {}\n// only functions')).toBeUndefined();
  });

  it('opens and closes runs right next to declarations written without spaces', async () => {
    const { run } = createRepl();
    expect(await run('function f(){ return 1 }let a = f()\na')).toBe(1);
    expect(await run('var b = 2;function g(){}class K { v() { return b } }function h(){}new K().v()')).toBe(
      2,
    );
    expect(await run('let c = 3\nfunction m(){}let {d} = {d: c}\nfunction o(){}[c, d].join()')).toBe('3,3');
  });

  it('makes an assignment to a function in its own cell reach the functions that call it', async () => {
    const { run } = createRepl();
    await run(
      'function greet() { return "hi" }\nfunction welcome() { return greet() }\ngreet = () => "hello"',
    );
    expect(await run('[greet(), welcome()].join()')).toBe('hello,hello');
  });

  it('stops at an error: later runs do not run, what ran before stays, and functions exist', async () => {
    const { run } = createRepl();
    const source = [
      'let before = 1',
      'function early() { return "early" }',
      'throw new Error("stop")',
      'function late() { return "late" }',
      'let after = 2',
    ].join('\n');
    await expect(run(source)).rejects.toThrow('stop');
    expect(await run('[before, typeof after, early(), late()].join()')).toBe('1,undefined,early,late');
  });

  it('leaves no trace of the chain that orders the runs', async () => {
    const { run } = createRepl();
    expect(
      await run('const seen = [typeof __rlmCell]\nfunction f() {}\nseen.push(typeof __rlmCell)\nseen.join()'),
    ).toBe('undefined,undefined');
    await expect(run('function g() {}\nthrow new Error("x")\nfunction h() {}')).rejects.toThrow('x');
    expect(
      await run('Object.getOwnPropertyNames(globalThis).filter((name) => /rlm/i.test(name)).length'),
    ).toBe(0);
  });
});

describe('rewriteJavaScriptCell: await', () => {
  it('awaits a promise at the top level', async () => {
    const { run } = createRepl();
    await run('const value = await new Promise((resolve) => setTimeout(() => resolve(41), 1))');
    expect(await run('value + 1')).toBe(42);
  });

  it('runs `for await` at the top level', async () => {
    const { run } = createRepl();
    await run('async function* numbers() { yield 1; yield 2; yield 3 }\nlet total = 0');
    await run('for await (const n of numbers()) total += n');
    expect(await run('total')).toBe(6);
  });
});

describe('rewriteJavaScriptCell: the value of the last expression', () => {
  const cases: Array<[string, string, unknown]> = [
    ['an arithmetic expression on a later line', 'let x = 2\nx + 1', 3],
    ['an object literal in parentheses', '({a: 1})', { a: 1 }],
    ['a sequence', '1, 2, 3', 3],
    ['an awaited call', 'async function seven() { return 7 }\nawait seven()', 7],
    ['a string followed by a comment line', "'done'\n// that was all", 'done'],
    ['a string followed by a comment on its line', "'done' // that was all", 'done'],
    ['an expression ending in semicolons', 'let y = 4;\ny * 2;;', 8],
    ['an expression written over several lines', '[1, 2, 3]\n  .map((n) => n * 2)\n  .join("-")', '2-4-6'],
    ['an assignment', 'let z\nz = 5', 5],
    ['a string that looks like a directive', "'use strict'", 'use strict'],
  ];
  it.each(cases)('returns %s', async (_, source, expected) => {
    const { run } = createRepl();
    expect(asJson(await run(source))).toEqual(expected);
  });

  const valueless: Array<[string, string]> = [
    ['only comments', '// nothing\n/* to see */'],
    ['nothing', ''],
    ['a declaration', 'const w = 1'],
    ['a function declaration', 'function g() { return 1 }'],
    ['an if statement', 'if (true) { 1 }'],
  ];
  it.each(valueless)('returns undefined for a cell ending in %s', async (_, source) => {
    const { run } = createRepl();
    expect(await run(source)).toBeUndefined();
  });
});

describe('rewriteJavaScriptCell: source that merely looks like declarations', () => {
  it('leaves strings, templates and regular expressions alone', async () => {
    const { run } = createRepl();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the cell's own template literal
    await run('const s = "let x = 1; const y = 2"\nconst t = `line one\nlet ${"u"} = 2\nclass K {}`');
    await run('const re = /let\\s+(\\w+)/g\nconst renamed = "let apple; let pear".replace(re, "var $1")');
    expect(asJson(await run('[s, t, renamed]'))).toEqual([
      'let x = 1; const y = 2',
      'line one\nlet u = 2\nclass K {}',
      'var apple; var pear',
    ]);
    expect(await run('typeof x + typeof K')).toBe('undefinedundefined');
  });

  it('accepts unicode identifiers', async () => {
    const { run } = createRepl();
    await run('let café = 1\nconst π = 3.5\nclass Ärger { wert() { return "ü" } }');
    expect(await run('café + π + new Ärger().wert()')).toBe('4.5ü');
  });

  it('leaves labels at the top level working', async () => {
    const { run } = createRepl();
    const source =
      'let hits = 0\nouter: for (const a of [1, 2]) {\n  for (const b of [1, 2]) { hits++; continue outer }\n}\nhits';
    expect(await run(source)).toBe(2);
  });
});

describe('rewriteJavaScriptCell: error positions', () => {
  it('reports line 1 and its column, net of the inserted prefix', async () => {
    const { run, runFailing } = createRepl();
    await run('let earlier = 1\nfunction helper() {}');
    expect(await runFailing('let a = 1; missing()')).toEqual({
      name: 'ReferenceError',
      message: 'missing is not defined',
      location: { line: 1, column: 12 },
    });
    // A one-line cell is its own last expression: its `return (` counts as prefix too, and V8
    // reports a failing leading identifier at the `return`.
    expect((await runFailing('missing.x')).location).toEqual({ line: 1, column: 1 });
    expect((await runFailing('class A { m() {} }; missing()')).location).toEqual({ line: 1, column: 21 });
  });

  it('shifts columns after a `return (` inserted mid-line (a known limit)', async () => {
    const { runFailing } = createRepl();
    expect((await runFailing('let a = 1; a.b.c')).location).toEqual({
      line: 1,
      column: 16 + 'return ('.length,
    });
  });

  it('reports line 3', async () => {
    const { runFailing } = createRepl();
    const failure = await runFailing('let a = 1\nlet b = 2\nnull.property');
    expect(failure.name).toBe('TypeError');
    expect(failure.location?.line).toBe(3);
  });

  it('reports the line after a multi-line declaration, template and class', async () => {
    const { runFailing } = createRepl();
    const source = [
      'const table = {',
      '  a: 1,',
      '  b: [2, 3],',
      '}',
      'const text = `one',
      'two`',
      'class Box {',
      '  open() {}',
      '}',
      'throw new RangeError("line ten")',
    ].join('\n');
    expect(await runFailing(source)).toEqual({
      name: 'RangeError',
      message: 'line ten',
      location: { line: 10, column: 7 },
    });
  });

  it('reports the line of an error in the run after a function declaration', async () => {
    const { runFailing } = createRepl();
    expect(
      await runFailing(
        'let a = 1\nfunction f() { return a }\nconst b = f()\nthrow new RangeError("line four")',
      ),
    ).toEqual({
      name: 'RangeError',
      message: 'line four',
      location: { line: 4, column: 7 },
    });
    const afterAwait = await runFailing(
      'await 0\nfunction g() {}\nawait 0\n\nnull.property\nfunction h() {}',
    );
    expect(afterAwait.name).toBe('TypeError');
    expect(afterAwait.location?.line).toBe(5);
    expect((await runFailing('function i() {}\n  i(); missing()')).location).toEqual({ line: 2, column: 8 });
  });

  it('reports line 1 and its column, net of the prefix, in a run that a function follows', async () => {
    const { runFailing } = createRepl();
    expect((await runFailing('let a = 1; missing()\nfunction f() {}')).location).toEqual({
      line: 1,
      column: 12,
    });
    expect((await runFailing('function g() { missing() }\ng()')).location).toEqual({ line: 1, column: 16 });
  });

  it('reports the line inside a function the cell called', async () => {
    const { runFailing } = createRepl();
    const failure = await runFailing(
      'async function f() {\n  await 0\n  throw new Error("inner")\n}\nawait f()',
    );
    expect(failure.location).toEqual({ line: 3, column: 9 });
  });

  it('counts CRLF line breaks as single lines', async () => {
    const { runFailing } = createRepl();
    expect((await runFailing('let a = 1\r\nlet b = 2\r\nmissing()')).location?.line).toBe(3);
  });
});

describe('rewriteJavaScriptCell: syntax errors', () => {
  it('reports the line and column of the cell and points at them', () => {
    expect(rewriteJavaScriptCell('let a = 1\nlet b = = 2\n')).toEqual({
      ok: false,
      error: {
        kind: 'syntax',
        name: 'SyntaxError',
        message: 'Unexpected token at line 2, column 9\n  let b = = 2\n          ^',
        line: 2,
        column: 9,
      },
    });
  });

  it('reports an unterminated template at its start', () => {
    const result = rewriteJavaScriptCell('const a = 1\n\nconst s = `never closed\nmore');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([result.error.line, result.error.column]).toEqual([3, 12]);
    expect(result.error.message).toMatch(/^Unterminated template at line 3, column 12\n/);
  });

  it('tells the model that a cell cannot return', () => {
    const result = rewriteJavaScriptCell('const answer = 42\nreturn answer');
    if (result.ok) throw new Error('expected a syntax error');
    expect(result.error.message).toContain("'return' outside of function at line 2, column 1");
    expect(result.error.message).toContain('end it with a bare expression');
  });

  it('tells the model that a cell cannot import', () => {
    const result = rewriteJavaScriptCell('import fs from "node:fs"');
    if (result.ok) throw new Error('expected a syntax error');
    expect(result.error.message).toContain('not a module');
  });

  it('shows only a window of a very long line, with the caret under the error', () => {
    const longLine = `const data = [${'1, '.repeat(200)}) ]`;
    const result = rewriteJavaScriptCell(longLine);
    if (result.ok) throw new Error('expected a syntax error');
    const [, excerpt, caret] = result.error.message.split('\n');
    expect(excerpt!.length).toBeLessThanOrEqual(2 + 120);
    expect(excerpt![caret!.length - 1]).toBe(')');
  });

  it('rejects a hashbang line, which the inserted prefix would push off the first position', () => {
    expect(rewriteJavaScriptCell('#!/usr/bin/env node\n1').ok).toBe(false);
  });
});

import { expect } from 'vitest';
import {
  expectSessionUnharmed,
  expectStoppedInTime,
  type SecurityCheck,
} from './test-environment-security-kit';
import { DEFAULT_CONFORMANCE_CONTEXT, expectMemoryFailure } from './test-environment-session';

// Exhausting resources.

/** Single allocations and growth loops that no memory limit can hold. */
export interface AllocationBomb {
  readonly code: string;
  /**
   * Set when the engine may refuse the allocation at once, before memory runs short, because it is
   * beyond a size limit of the engine's own: then a runtime `RangeError` or `InternalError` whose
   * message matches is accepted too. Without it only a memory error or a restart passes: the bomb
   * reaches any memory limit.
   */
  readonly refusedAtOnceIf?: RegExp;
}

/** Single allocations and growth loops that no memory limit can hold. */
export const ALLOCATION_BOMBS: readonly AllocationBomb[] = [
  { code: 'let doubling = [1];\nwhile (true) doubling = doubling.concat(doubling);' },
  // Distinct flat strings, each a megabyte, all held: string memory that grows until the limit.
  { code: "const held = [];\nfor (let i = 0; ; i++) held.push(JSON.stringify('s'.repeat(1 << 20) + i));" },
  { code: 'new Array(2 ** 32 - 1).fill(0).length' },
  { code: 'const grow = new Map();\nfor (let i = 0; ; i++) grow.set(i, { i, text: String(i).repeat(64) });' },
  // V8 builds `text += text` as a rope and stops it at its maximum string length ("Invalid string
  // length") long before memory runs out; the same for one huge `repeat`. QuickJS: "string too long".
  { code: "let text = 'x';\nwhile (true) text += text;", refusedAtOnceIf: /string length|string too long/i },
  { code: "'x'.repeat(2 ** 29).length", refusedAtOnceIf: /string length|string too long|repeat count/i },
  // Buffers beyond what the engine allocates at all ("Array buffer allocation failed", QuickJS:
  // "invalid array buffer length").
  { code: 'const huge = new Uint8Array(2 ** 30);\nhuge.length', refusedAtOnceIf: /array ?buffer/i },
  { code: 'const buffer = new ArrayBuffer(2 ** 31);\nbuffer.byteLength', refusedAtOnceIf: /array ?buffer/i },
];

export const RESOURCE_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'an output flood on both streams keeps exactly the cap, and says how much it dropped',
    catches: { uncappedOutput: /the output was not cut to the cap/ },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        "const line = 'x'.repeat(999);\nfor (let i = 0; i < 5000; i++) { console.log(line); console.error(line); }",
        { maxOutputChars: 100_000 },
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout.length + result.stderr.length, 'the output was not cut to the cap').toBe(100_000);
      expect(result.droppedOutputChars).toBe(10_000_000 - 100_000);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a 10 MB line is cut to the cap exactly',
    catches: { uncappedOutput: /the output was not cut to the cap/ },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('y'.repeat(10_000_000));", { maxOutputChars: 1_000_000 });
      expect(result.error).toBeUndefined();
      expect(result.stdout.length, 'the output was not cut to the cap').toBe(1_000_000);
      expect(result.stdout).toBe('y'.repeat(1_000_000));
      expect(result.droppedOutputChars).toBe(10_000_001 - 1_000_000);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a 100 MB string printed once is cut to the cap, or ends in a memory error; the host survives',
    catches: { uncappedOutput: /the output was not cut to the cap/ },
    needs: ['memoryLimit'],
    testTimeoutMs: 90_000,
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('z'.repeat(100 * 1024 * 1024));", {
        maxOutputChars: 100_000,
        timeoutMs: 60_000,
      });
      if (result.error) expectMemoryFailure(result, 'a 100 MB string printed once');
      else {
        expect(result.stdout.length, 'the output was not cut to the cap').toBe(100_000);
        expect(result.stdout).toBe('z'.repeat(100_000));
        expect(result.droppedOutputChars).toBe(100 * 1024 * 1024 + 1 - 100_000);
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'deep recursion ends in a clean runtime error; the variables stay',
    catches: { stackOverflowAsCrash: /must end in a runtime error: expected 'crash'/ },
    async run(kit) {
      const session = await kit.open();
      await session.ok("const kept = 'kept';");
      const recursions = [
        'function down(n) { return down(n + 1) + 1; }\ndown(0);',
        'const loop = { get again() { return this.again; } };\nloop.again;',
        'const mirror = new Proxy({}, { get: (target, key, receiver) => receiver[key] });\nmirror.x;',
        'async function deeper(n) { return deeper(n + 1); }\nawait deeper(0);',
        "const nest = (n) => n === 0 ? '' : '(' + nest(n - 1) + ')';\nnest(1e6);",
      ];
      for (const code of recursions) {
        const result = await session.run(code, { timeoutMs: 30_000 });
        expect(result.error?.kind, `${code}: must end in a runtime error`).toBe('runtime');
        expect(result.stateLost, `${code}: must not restart the sandbox`).toBeUndefined();
      }
      expect((await session.ok('kept')).value).toBe('"kept"');
      await expectSessionUnharmed(session);
    },
  },
  {
    title:
      'a value nested 100,000 deep, stringified, parsed or sent to the host, works or fails closed (an error, or a restart that says so)',
    catches: { stackOverflowAsCrash: /failed without a restart, so it must be a runtime error/ },
    async run(kit) {
      const session = await kit.open();
      const cells = [
        'globalThis.deep = [];\nfor (let i = 0; i < 100000; i++) deep = [deep];\nJSON.stringify(deep).length',
        'globalThis.deep = [];\nfor (let i = 0; i < 100000; i++) deep = [deep];\n(await echo(deep)).args.length',
        "JSON.parse('['.repeat(100000) + ']'.repeat(100000)).length",
      ];
      for (const code of cells) {
        const result = await session.run(code, { timeoutMs: 30_000 });
        // Engines differ: V8 stringifies and parses deep nesting iteratively (it works), QuickJS runs
        // out of stack. Both are safe; what must never happen is a hang, a host crash or a silent
        // empty state.
        if (result.error === undefined) expect(result.value, code).toMatch(/^[0-9]+$/);
        else if (result.stateLost === undefined)
          expect(result.error.kind, `${code}: failed without a restart, so it must be a runtime error`).toBe(
            'runtime',
          );
        else expect(result.error.kind, `${code}: restarted, so it must be a crash`).toBe('crash');
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'allocation bombs end in a memory error (or a restart that says so), and the next cell runs',
    catches: {
      memoryErrorsAsRangeErrors:
        /must end in a memory error or a restart that says so, not runtime error RangeError: Invalid string length/,
    },
    needs: ['memoryLimit'],
    testTimeoutMs: 180_000,
    async run(kit) {
      const session = await kit.open();
      for (const { code, refusedAtOnceIf } of ALLOCATION_BOMBS) {
        const result = await session.run(code, { timeoutMs: 60_000 });
        const refusedAtOnce =
          refusedAtOnceIf !== undefined &&
          result.error?.kind === 'runtime' &&
          result.stateLost === undefined &&
          ['RangeError', 'InternalError'].includes(result.error.name) &&
          refusedAtOnceIf.test(result.error.message);
        if (!refusedAtOnce) expectMemoryFailure(result, `allocation bomb ${JSON.stringify(code)}`);
        expect((await session.ok('context.length')).value, code).toBe(
          String(DEFAULT_CONFORMANCE_CONTEXT.length),
        );
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'catastrophic regex backtracking stops at the timeout',
    catches: { lateStop: /more than its timeout plus the grace/ },
    needs: ['interruptsSynchronousCode'],
    async run(kit) {
      const session = await kit.open();
      await session.ok("const kept = 'kept';");
      for (const code of [
        "/^(a+)+$/.test('a'.repeat(40) + 'b')",
        "await echo('x');\n/(x+x+)+y/.test('x'.repeat(60))",
        "('a'.repeat(30) + '!').replace(/^(a|a)*$/, 'b')",
      ]) {
        const startedAt = performance.now();
        const result = await session.run(code, { timeoutMs: 500 });
        expectStoppedInTime(result, 500, startedAt, kit.stopGraceMs);
      }
      const after = await session.ok("typeof kept === 'string' ? kept : 'restarted'");
      expect(['"kept"', '"restarted"']).toContain(after.value);
      await expectSessionUnharmed(session);
    },
  },
  {
    title:
      'code that never returns inside something the environment calls (toJSON, getters, Atomics.wait) stops in time',
    catches: { lateStop: /more than its timeout plus the grace/ },
    needs: ['interruptsSynchronousCode'],
    async run(kit) {
      const session = await kit.open();
      // [code, whether the cell must fail]: a last value that cannot be shown may instead come back as a placeholder.
      const cells: Array<[string, boolean]> = [
        ['await echo({ toJSON() { for (;;) {} } });', true],
        [
          "const error = new Error('x');\nObject.defineProperty(error, 'message', { get() { for (;;) {} } });\nthrow error;",
          true,
        ],
        [
          "throw new Proxy(new Error('x'), { get() { for (;;) {} }, getPrototypeOf() { for (;;) {} } });",
          true,
        ],
        ['new Proxy({}, { getPrototypeOf() { for (;;) {} }, ownKeys() { for (;;) {} } })', false],
        ['FINAL({ get answer() { for (;;) {} } });', true],
        [
          "if (typeof Atomics === 'object' && typeof SharedArrayBuffer === 'function') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\nelse for (;;) {}",
          true,
        ],
      ];
      for (const [code, mustFail] of cells) {
        const startedAt = performance.now();
        const result = await session.run(code, { timeoutMs: 1_000 });
        if (mustFail) expect(result.error, code).toBeDefined();
        expect(result.stateLost === undefined || result.error !== undefined, code).toBe(true);
        const elapsed = Math.round(performance.now() - startedAt);
        expect(
          elapsed,
          `${code}: stopped after ${elapsed} ms, more than its timeout plus the grace`,
        ).toBeLessThan(1_000 + kit.stopGraceMs);
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'value, error name, message and stack are each cut to the output cap (at least 1,000 characters)',
    catches: { uncappedResultTexts: /a result text longer than the cap/ },
    async run(kit) {
      const session = await kit.open();
      const cap = 50_000;
      const cells = [
        "throw new Error('m'.repeat(10_000_000));",
        "const named = new Error('short');\nnamed.name = 'N'.repeat(1_000_000);\nthrow named;",
        'Array.from({ length: 100 }, (_, i) => String(i).repeat(10_000))',
        "const deepStack = (n) => n === 0 ? new Error('s'.repeat(100_000)) : deepStack(n - 1);\nthrow deepStack(500);",
      ];
      for (const code of cells) {
        const result = await session.run(code, { maxOutputChars: cap, timeoutMs: 30_000 });
        expect(result.stateLost, code).toBeUndefined();
        for (const text of [result.value, result.error?.name, result.error?.message, result.error?.stack]) {
          expect(text?.length ?? 0, `${code}: a result text longer than the cap`).toBeLessThanOrEqual(cap);
        }
      }
      const small = await session.run("throw new Error('q'.repeat(5_000));", { maxOutputChars: 10 });
      expect(small.error?.message.length).toBeGreaterThan(0);
      expect(small.error?.message.length).toBeLessThanOrEqual(1_000);
      expect(small.error?.message.startsWith('qqq')).toBe(true);
      await expectSessionUnharmed(session);
    },
  },
];

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { HostFunction } from '../environment/repl-environment';
import type { SecurityCheck } from './test-environment-security-kit';

/**
 * What a cell can make the host hold or do, whatever the sandbox's own limits: arguments in flight,
 * floods of calls, arguments too long for the host to take, and what the host shows of itself in
 * error texts.
 */

const MEBI = 1024 * 1024;

/** Wraps `never` so the test sees how many characters of arguments the host holds at once. */
function measureArgumentsInFlight() {
  let charsInFlight = 0;
  let peakChars = 0;
  let calls = 0;
  const wrapHostFunction = (name: string, hostFunction: HostFunction): HostFunction => {
    if (name !== 'never') return hostFunction;
    return (args, options) => {
      calls++;
      const chars = JSON.stringify(args).length;
      charsInFlight += chars;
      peakChars = Math.max(peakChars, charsInFlight);
      options.signal.addEventListener('abort', () => {
        charsInFlight -= chars;
      });
      return hostFunction(args, options);
    };
  };
  return {
    wrapHostFunction,
    peakChars: () => peakChars,
    charsInFlight: () => charsInFlight,
    calls: () => calls,
  };
}

/**
 * A signal that aborts the attack's cell `afterMs` after `started()` first turns true (the host saw
 * the attack), so that a cell waiting forever for its turn ends as soon as there is something to judge.
 */
function abortOnceStarted(started: () => boolean, afterMs = 500) {
  const controller = new AbortController();
  const poll = setInterval(() => {
    if (!started()) return;
    clearInterval(poll);
    setTimeout(() => controller.abort(), afterMs);
  }, 20);
  return { signal: controller.signal, stop: () => clearInterval(poll) };
}

/** Paths of this machine that no text a cell sees may contain. */
function hostPaths(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [process.cwd(), os.homedir(), os.tmpdir(), here, path.dirname(process.execPath)].filter(
    (candidate) => candidate.length > 1,
  );
}

/**
 * How every cell of the buffer check starts; the security suite's fixture sandbox, which shares the
 * host's heap, recognises it and answers without allocating.
 */
export const BUFFER_CELL_PREFIX = 'const SIZE = 256 * 1024 * 1024;';

/** Ways to hold memory outside the JavaScript heap, 256 MiB at a time, each touched so it is really committed. */
const BUFFER_KINDS: readonly { readonly name: string; readonly code: string }[] = [
  { name: 'ArrayBuffer', code: 'new Uint8Array(new ArrayBuffer(SIZE)).fill(1).buffer' },
  {
    name: 'SharedArrayBuffer',
    code: "typeof SharedArrayBuffer !== 'function' ? 'absent' : new Uint8Array(new SharedArrayBuffer(SIZE)).fill(1).buffer",
  },
  {
    name: 'a resizable ArrayBuffer grown after creation',
    code: `(() => {
  let buffer;
  try { buffer = new ArrayBuffer(16, { maxByteLength: SIZE }); } catch (error) { return 'absent'; }
  if (typeof buffer.resize !== 'function' || buffer.maxByteLength !== SIZE) return 'absent';
  buffer.resize(SIZE);
  new Uint8Array(buffer).fill(1);
  return buffer;
})()`,
  },
  {
    name: 'ArrayBuffer.prototype.transfer to a larger length',
    code: "typeof ArrayBuffer.prototype.transfer !== 'function' ? 'absent' : (() => { const grown = new ArrayBuffer(16).transfer(SIZE); new Uint8Array(grown).fill(1); return grown; })()",
  },
  {
    name: 'WebAssembly.Memory',
    code: "typeof WebAssembly !== 'object' || WebAssembly === null ? 'absent' : (() => { const memory = new WebAssembly.Memory({ initial: SIZE / 65536 }); new Uint8Array(memory.buffer).fill(1); return memory; })()",
  },
];

export const HOST_PRESSURE_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'tight loops of awaited host calls (plain, batched, re-awaiting a settled call) end at the timeout and the host survives',
    catches: { lateStop: /a tight loop of awaited host calls ran past its timeout/ },
    testTimeoutMs: 60_000,
    async run(kit) {
      // isolated-vm once left a timer per call into the isolate, and a native thread recursed once
      // per due timer: tens of thousands of them crashed the host process (SIGSEGV).
      const loops = [
        'for (;;) await nothing();',
        "for (;;) await echo('x');",
        'for (;;) await Promise.all([nothing(), nothing(), nothing(), nothing()]);',
        'const settled = nothing(); for (;;) { await settled; await nothing(); }',
      ];
      for (const loop of loops) {
        const session = await kit.open();
        await session.ok('globalThis.kept = 1;');
        const startedAt = performance.now();
        const result = await session.run(loop, { timeoutMs: 1_500 });
        const elapsed = performance.now() - startedAt;
        // A timeout, or — failing closed — a crash of the sandbox that restarted it and says so.
        const failedClosed = result.error?.kind === 'crash' && result.stateLost !== undefined;
        expect(
          result.error?.kind === 'timeout' || failedClosed,
          `${loop}: the loop ended in an unexpected way (${result.error?.kind}: ${result.error?.message})`,
        ).toBe(true);
        expect(elapsed, `${loop}: a tight loop of awaited host calls ran past its timeout`).toBeLessThan(
          1_500 + kit.stopGraceMs,
        );
        const probe = 'await echo("unharmed");\ntypeof kept';
        let after = await session.run(probe, { timeoutMs: 10_000 });
        // The loop may leave its own sandbox full of garbage not yet collected: one memory error of
        // the sandbox's own (its limit, reported) is fair; the cell after it must work.
        if (after.error?.kind === 'memory' && after.stateLost === undefined) {
          after = await session.run(probe, { timeoutMs: 10_000 });
        }
        if (result.stateLost === undefined && after.stateLost === undefined)
          expect(after.value, `${loop}: the variables were lost`).toBe('"number"');
        expect(
          after.error,
          `${loop}: the session is unusable afterwards (${result.stateLost ?? 'no restart'}; then ${after.error?.kind}: ${after.error?.message})`,
        ).toBeUndefined();
      }
    },
  },
  {
    title: `memory outside the heap (${BUFFER_KINDS.map((kind) => kind.name).join(', ')}) counts against the session’s memory limit`,
    needs: ['memoryLimit'],
    testTimeoutMs: 180_000,
    catches: { uncountedBuffers: /a session held 8 × 256 MiB/ },
    async run(kit) {
      let walked = 0;
      for (const kind of BUFFER_KINDS) {
        const session = await kit.open();
        const held: string[] = [];
        let absent = false;
        for (let cell = 0; cell < 8; cell++) {
          const result = await session.run(
            `${BUFFER_CELL_PREFIX}\nglobalThis.held ??= [];\nconst made = ${kind.code};\nif (made !== 'absent') held.push(made);\nmade === 'absent' ? 'absent' : 'held ' + held.length`,
            { timeoutMs: 30_000 },
          );
          if (result.value === '"absent"') {
            absent = true;
            break;
          }
          if (result.error || result.stateLost) break;
          held.push(result.value ?? '');
        }
        if (!absent) walked++;
        // The suite's environments run with limits of 64–512 MiB: 2 GiB held means the buffers are not counted.
        expect(held.length, `${kind.name}: a session held ${held.length} × 256 MiB`).toBeLessThanOrEqual(2);
        const after = await session.run('await echo("unharmed");\n1', { timeoutMs: 10_000 });
        expect(after.error, `${kind.name}: the session is unusable afterwards`).toBeUndefined();
      }
      expect(walked, 'every kind of buffer was absent: the check tested nothing').toBeGreaterThan(0);
    },
  },
  {
    title:
      'a dozen 40 MB arguments in flight at once: the host never holds more than a bounded share of them',
    testTimeoutMs: 120_000,
    catches: { ungatedHostCalls: /the host held every in-flight argument at once/ },
    async run(kit) {
      const meter = measureArgumentsInFlight();
      const session = await kit.open({ wrapHostFunction: meter.wrapHostFunction });
      const abort = abortOnceStarted(() => meter.calls() > 0);
      const result = await session.run(
        "const big = 'x'.repeat(40_000_000);\nfor (let i = 0; i < 12; i++) never(big).catch(() => {});\nawait echo('after');\n'sent'",
        { timeoutMs: 30_000, signal: abort.signal },
      );
      abort.stop();
      // 12 × 40 MB = 480 M characters; the host may hold one or two at a time, not all.
      expect(meter.peakChars(), 'the host held every in-flight argument at once').toBeLessThanOrEqual(
        128 * MEBI,
      );
      // The twelve never settle: the cell waits for its turn (until aborted). Or the sandbox ran out of
      // memory holding the calls that wait (its own limit counts them): then it paid, not the host —
      // as a memory error of the cell, or, when building a waiting call's 40 MB of argument JSON was
      // what failed, as that call's rejection, which the cell's `.catch` swallows before it goes on.
      // (Which of the two happens depends on a few kB of the sandbox's memory: at 128 MB, a prelude
      // 13 kB larger turns one into the other.)
      const refusedInside = result.error === undefined && result.value === '"sent"' && meter.calls() === 1;
      if (!refusedInside) {
        expect(['aborted', 'timeout', 'memory'], 'the cell ended in an unexpected way').toContain(
          result.error?.kind,
        );
      }
      if (result.error?.kind !== 'memory') {
        expect(meter.calls(), 'no 40 MB call reached the host, so nothing was measured').toBeGreaterThan(0);
      }
      const after = await session.run('await echo("unharmed");\ntypeof context', { timeoutMs: 10_000 });
      expect(after.error).toBeUndefined();
      expect(
        meter.charsInFlight(),
        'the dropped calls were never released (their signals did not abort)',
      ).toBe(0);
    },
  },
  {
    title: 'a flood of host calls started without await reaches the host only as fast as it answers',
    testTimeoutMs: 60_000,
    catches: { ungatedHostCalls: /every call of the flood reached the host/ },
    async run(kit) {
      let received = 0;
      const session = await kit.open({
        wrapHostFunction: (name, hostFunction) =>
          name === 'never'
            ? (args, options) => {
                received++;
                return hostFunction(args, options);
              }
            : hostFunction,
      });
      const flood = 20_000;
      const abort = abortOnceStarted(() => received > 0);
      // Calls that never settle: the host answers none, so none of the rest should reach it.
      const result = await session.run(
        `for (let i = 0; i < ${flood}; i++) never(i).catch(() => {});\nawait echo('after the flood');\n'flooded'`,
        { timeoutMs: 30_000, signal: abort.signal },
      );
      abort.stop();
      expect(received, 'every call of the flood reached the host').toBeLessThan(flood / 100);
      expect(['aborted', 'timeout', 'memory'], 'the cell ended in an unexpected way').toContain(
        result.error?.kind,
      );
      if (result.error?.kind !== 'memory') {
        expect(received, 'the flood never reached the host: nothing was measured').toBeGreaterThan(0);
      }
      const after = await session.run('await echo("unharmed");\n1', { timeoutMs: 10_000 });
      expect(after.error).toBeUndefined();
    },
  },
  {
    title: 'the host’s event loop stays responsive while the calls of a flood reach it',
    catches: { ungatedHostCalls: /the host’s event loop was blocked/ },
    testTimeoutMs: 60_000,
    async run(kit) {
      // Measured from the moment the first call of the flood reaches the host: the sandbox's own
      // loop may run on the host's thread (QuickJS does), but what the calls make the host do must
      // never block it.
      let worstLag = 0;
      let ticker: NodeJS.Timeout | undefined;
      let received = 0;
      const session = await kit.open({
        wrapHostFunction: (name, hostFunction) =>
          name === 'never'
            ? (args, options) => {
                received++;
                if (!ticker) {
                  let last = performance.now();
                  ticker = setInterval(() => {
                    const now = performance.now();
                    worstLag = Math.max(worstLag, now - last - 5);
                    last = now;
                  }, 5);
                }
                return hostFunction(args, options);
              }
            : hostFunction,
      });
      const abort = abortOnceStarted(() => received > 0, 1_000);
      try {
        await session.run(
          "for (let i = 0; i < 200000; i++) never(i).catch(() => {});\nawait echo('after the flood');",
          {
            timeoutMs: 30_000,
            signal: abort.signal,
          },
        );
      } finally {
        abort.stop();
        clearInterval(ticker);
      }
      expect(received, 'the flood never reached the host: nothing was measured').toBeGreaterThan(0);
      // Before the fix isolated-vm blocked the host for 10–21 s on a million calls. Gated, the worst
      // lag is ~0.4 ms on an idle machine (a busy one adds up to ~100 ms); ungated, these 200,000
      // calls block it ~1.2 s on an idle 2-core EPYC. The bound sits well between the two, so that
      // the proof that this check catches the hole holds on a fast idle machine too (at 1,000 ms it
      // did not: 0.9–1.2 s).
      expect(worstLag, 'the host’s event loop was blocked').toBeLessThan(400);
      const after = await session.run('await echo("unharmed");\n1', { timeoutMs: 10_000 });
      expect(after.error).toBeUndefined();
    },
  },
  {
    title:
      'a host call whose arguments are longer than the host takes is refused inside, and the host survives',
    testTimeoutMs: 120_000,
    catches: { ungatedHostCalls: /an argument longer than the host takes reached it/ },
    async run(kit) {
      const session = await kit.open();
      const before = session.host.calls.echo?.length ?? 0;
      const result = await session.run(
        `const outcomes = [];
for (const length of [2 ** 27, 2 ** 29 - 24]) {
  let text;
  try { text = 'x'.repeat(length); } catch (error) { outcomes.push('no room: ' + error.name); continue; }
  try { await echo(text); outcomes.push('sent'); } catch (error) { outcomes.push(error.name + ': ' + error.message.slice(0, 60)); }
  text = undefined;
}
console.log(outcomes.join('\\n'));`,
        { timeoutMs: 60_000 },
      );
      if (result.error) {
        // Running out of memory on the way is a fair outcome; crashing the host is not (we are here).
        expect(['memory', 'crash']).toContain(result.error.kind);
      } else {
        expect(result.stdout, 'an argument longer than the host takes reached it').not.toMatch(/^sent$/m);
        expect(result.stdout).toMatch(/the arguments are \d+ characters|no room/);
      }
      expect(
        session.host.calls.echo?.slice(before) ?? [],
        'an argument longer than the host takes reached it',
      ).toEqual([]);
      const after = await session.run('await echo("unharmed");\ntypeof context', { timeoutMs: 10_000 });
      expect(after.error).toBeUndefined();
    },
  },
  {
    title: 'errors and stack traces the cell sees name no file or folder of the host',
    // A sandbox on the host's own thread, as the exposed one is, shows the host's frames.
    failsWhenHostIsExposed: true,
    catches: { hostExposed: /a cell saw / },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `const texts = [];
const collect = (error) => { try { texts.push(String(error && error.stack), String(error && error.message)); } catch (e) {} };
try { null.boom; } catch (error) { collect(error); }
try { await fail('x'); } catch (error) { collect(error); }
try { await echo(1n); } catch (error) { collect(error); }
try { JSON.parse('{'); } catch (error) { collect(error); }
try { eval('(('); } catch (error) { collect(error); }
try { new Function('(('); } catch (error) { collect(error); }
try { (function deep(n) { return n ? deep(n - 1) : null.x; })(50); } catch (error) { collect(error); }
collect(new Error('made'));
const target = {}; if (typeof Error.captureStackTrace === 'function') { Error.captureStackTrace(target); texts.push(String(target.stack)); }
try { FINAL_VAR('missing_variable'); } catch (error) { collect(error); }
texts.join('\\n---\\n')`,
      );
      expect(result.error).toBeUndefined();
      const seen = result.value ?? '';
      expect(seen.length, 'nothing was collected').toBeGreaterThan(100);
      for (const hostPath of hostPaths()) expect(seen, `a cell saw ${hostPath}`).not.toContain(hostPath);
      expect(seen).not.toMatch(/file:\/\/|node_modules/);
      const thrown = await session.run('null.boom');
      const thrownTexts = `${thrown.error?.stack ?? ''}\n${thrown.error?.message ?? ''}`;
      for (const hostPath of hostPaths()) expect(thrownTexts).not.toContain(hostPath);
      expect(thrownTexts).not.toMatch(/file:\/\/|node_modules/);
    },
  },
];

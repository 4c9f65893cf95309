import { expect } from 'vitest';
import type { CellResult } from '../environment/repl-environment';
import type { SecurityCheck, SecurityKit } from './test-environment-security-kit';
import type { ConformanceSession } from './test-environment-session';

/**
 * Work a cell schedules through the engine rather than through the host: finalizer callbacks,
 * `Atomics.waitAsync` wake-ups, WebAssembly's background compilation, and callbacks chained on host
 * calls the cell dropped. Each must either be impossible (the API is gone) or stay inside its own
 * cell: after a cell ended, nothing of it may print, set `FINAL`, call the host, change state during
 * a later cell, or spin and cost a later cell its time or its variables.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pasted at the top of each attack: `late(label)` makes a callback that counts its runs in
 * `globalThis.lateRuns`, prints, sets `FINAL` and calls the host — everything a leftover must not do.
 */
const LATE = `globalThis.lateRuns = 0;
globalThis.late = (label) => function () {
  globalThis.lateRuns++;
  console.log('LATE ' + label);
  try { FINAL('late ' + label); } catch (error) {}
  try { const call = echo('late ' + label); if (call && typeof call.catch === 'function') call.catch(() => {}); } catch (error) {}
};
`;

/** A valid, empty WebAssembly module: the 8-byte header. */
const EMPTY_WASM_MODULE = 'new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])';

/** One way to leave work behind. `code` evaluates to `'scheduled'`, or to `'absent'` when the API is missing. */
interface DeferredWorkVariant {
  readonly name: string;
  readonly code: string;
  /**
   * True when the leftovers legitimately run once at the end of their own cell (callbacks on host
   * calls the cell dropped, rejected then with output discarded): only later cells are checked.
   */
  readonly runsAtItsEnd?: boolean;
}

const VARIANTS: readonly DeferredWorkVariant[] = [
  {
    name: 'FinalizationRegistry callbacks, re-registering themselves',
    code: `(() => {
  if (typeof FinalizationRegistry !== 'function') return 'absent';
  const callback = late('finalizer');
  const registry = new FinalizationRegistry(function again(held) { callback(); registry.register({ held }, held); });
  for (let i = 0; i < 5000; i++) registry.register({ payload: new Array(64).fill(i) }, i);
  globalThis.keptRegistry = registry;
  return 'scheduled';
})()`,
  },
  {
    name: 'Atomics.waitAsync with a timeout',
    code: `(() => {
  if (typeof Atomics === 'undefined' || typeof Atomics.waitAsync !== 'function' || typeof SharedArrayBuffer !== 'function') return 'absent';
  const cells = new Int32Array(new SharedArrayBuffer(16));
  const waited = Atomics.waitAsync(cells, 0, 0, 30);
  if (!waited.async) return 'absent';
  waited.value.then(late('waitAsync timeout'));
  return 'scheduled';
})()`,
  },
  {
    name: 'Atomics.waitAsync woken by Atomics.notify',
    code: `(() => {
  if (typeof Atomics === 'undefined' || typeof Atomics.waitAsync !== 'function' || typeof SharedArrayBuffer !== 'function') return 'absent';
  const cells = new Int32Array(new SharedArrayBuffer(16));
  const waited = Atomics.waitAsync(cells, 0, 0);
  if (!waited.async) return 'absent';
  waited.value.then(late('waitAsync notify'));
  Atomics.notify(cells, 0);
  return 'scheduled';
})()`,
  },
  {
    name: 'WebAssembly.compile and instantiate promise chains',
    code: `(() => {
  if (typeof WebAssembly !== 'object' || WebAssembly === null) return 'absent';
  const bytes = ${EMPTY_WASM_MODULE};
  WebAssembly.compile(bytes).then(late('WebAssembly.compile'));
  WebAssembly.instantiate(bytes).then(late('WebAssembly.instantiate'));
  WebAssembly.compile(bytes).then(function again() { late('WebAssembly re-armed')(); return WebAssembly.compile(bytes).then(again); });
  return 'scheduled';
})()`,
  },
  {
    name: 'callbacks on dropped host calls that re-arm themselves on every failure',
    runsAtItsEnd: true,
    code: `(() => {
  const rearm = late('re-armed');
  never('dropped').then(late('never then'), function again() { rearm(); never('again').then(null, again); });
  llm_query('slow').then(late('llm_query then'), function again() { rearm(); llm_query('again').then(null, again); });
  (async () => { try { await never('awaited'); } finally { late('finally')(); } })();
  const generator = (async function* () { try { yield await never('generator'); } finally { late('generator finally')(); } })();
  generator.next().catch(() => {});
  return 'scheduled';
})()`,
  },
];

/** Leftovers that never stop once they run. Each `code` is a statement; `'absent'` when the API is missing. */
const SPINNERS: readonly { readonly name: string; readonly code: string }[] = [
  {
    name: 'callbacks on dropped host calls',
    code: "never('spin').then(null, () => { for (;;) {} });\nllm_query('spin').then(() => { for (;;) {} }, () => { for (;;) {} })",
  },
  {
    name: 'a finalizer',
    code: `if (typeof FinalizationRegistry !== 'function') return 'absent';
const registry = new FinalizationRegistry(() => { for (;;) {} });
for (let i = 0; i < 5000; i++) registry.register({ payload: new Array(64).fill(i) }, i);
globalThis.keptRegistry = registry`,
  },
  {
    name: 'an Atomics.waitAsync wake-up',
    code: `if (typeof Atomics === 'undefined' || typeof Atomics.waitAsync !== 'function' || typeof SharedArrayBuffer !== 'function') return 'absent';
const waited = Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(16)), 0, 0, 30);
if (!waited.async) return 'absent';
waited.value.then(() => { for (;;) {} })`,
  },
  {
    name: 'a WebAssembly compilation',
    code: `if (typeof WebAssembly !== 'object' || WebAssembly === null) return 'absent';
WebAssembly.compile(${EMPTY_WASM_MODULE}).then(() => { for (;;) {} })`,
  },
].map((spinner) => ({ ...spinner, code: `(() => { ${spinner.code} })()` }));

/** The outcome of one later cell that must show no trace of the attack. */
function expectUntouched(result: CellResult, label: string): void {
  expect(
    result.error,
    `${label}: the cell failed (a leftover of the attack cost it its time?)`,
  ).toBeUndefined();
  expect(result.stateLost, `${label}: the session lost its state after the attack`).toBeUndefined();
  expect(result.stdout, `${label}: a leftover printed into a later cell`).not.toMatch(/LATE/);
  expect(result.final, `${label}: a leftover set FINAL in a later cell`).toBeUndefined();
}

/** Runs one variant in a fresh session and checks every later observation. */
async function runVariant(kit: SecurityKit, variant: DeferredWorkVariant): Promise<string> {
  const session: ConformanceSession = await kit.open({ latencyMs: 50 });
  const lateCalls = () =>
    (session.host.calls.echo ?? []).filter(
      (args) => typeof args[0] === 'string' && args[0].startsWith('late'),
    );
  const attack = await session.run(
    `${LATE}globalThis.scheduled = ${variant.code};\nglobalThis.lateAtEnd = lateRuns;\nscheduled`,
    {
      timeoutMs: 5_000,
    },
  );
  if (attack.value === '"absent"') return 'absent';
  expect(attack.error, `${variant.name}: the attack itself failed`).toBeUndefined();
  expect(attack.value, `${variant.name}: the attack did not schedule anything`).toBe('"scheduled"');
  const callsAtEnd = lateCalls().length;
  // Time for timers, wake-ups and background compilation; then garbage, for finalizers.
  await sleep(150);
  const churn = await session.run(
    `globalThis.lateAtStart = lateRuns;
let garbage = [];
for (let i = 0; i < 200000; i++) garbage.push({ i, text: 'x' + i });
garbage = null;
await echo('between');
for (let i = 0; i < 200000; i++) ({ i });
await null;
console.log(lateAtStart === lateRuns ? 'still' : 'ran during the cell');`,
    { timeoutMs: 5_000 },
  );
  expectUntouched(churn, variant.name);
  expect(churn.stdout, `${variant.name}: a leftover ran during a later cell`).toBe('still\n');
  await sleep(150);
  const last = await session.run(
    'console.log(lateAtEnd, lateAtStart, lateRuns);\nawait echo("last");\nconsole.log(lateRuns);',
    { timeoutMs: 5_000 },
  );
  expectUntouched(last, variant.name);
  const [ends, later] = last.stdout.trim().split('\n');
  const [atEnd, atStart, atLast] = (ends ?? '').split(' ');
  expect(later, `${variant.name}: a leftover ran during a later cell`).toBe(atLast);
  expect(atStart, `${variant.name}: a leftover ran between later cells`).toBe(atLast);
  if (!variant.runsAtItsEnd) {
    expect(atStart, `${variant.name}: a leftover ran after its cell ended`).toBe(atEnd);
  }
  expect(lateCalls(), `${variant.name}: a leftover called the host after its cell ended`).toHaveLength(
    variant.runsAtItsEnd ? 0 : callsAtEnd,
  );
  return 'checked';
}

/** Checks for work that outlives its cell without timers. */
export const DEFERRED_WORK_CHECKS: readonly SecurityCheck[] = [
  {
    title: `nothing a cell leaves behind (${VARIANTS.map((variant) => variant.name).join('; ')}) runs, prints, answers or calls the host after it ended`,
    testTimeoutMs: 60_000,
    catches: {
      engineDeferredWork: /a leftover (ran|printed|set FINAL|called the host)/,
      noDropCalls: /a leftover (ran during|printed into|set FINAL in|called the host)/,
    },
    async run(kit) {
      const outcomes: Record<string, string> = {};
      for (const variant of VARIANTS) outcomes[variant.name] = await runVariant(kit, variant);
      // The dropped-call variant needs nothing but the contract, so it always runs: the check walks something.
      expect(outcomes['callbacks on dropped host calls that re-arm themselves on every failure']).toBe(
        'checked',
      );
    },
  },
  {
    title: `a leftover that spins forever (${SPINNERS.map((spinner) => spinner.name).join('; ')}) costs a later cell neither its time nor its variables`,
    needs: ['interruptsSynchronousCode'],
    testTimeoutMs: 90_000,
    catches: { noDropCalls: /the next cell: the cell failed/ },
    async run(kit) {
      let walked = 0;
      for (const spinner of SPINNERS) {
        const session = await kit.open();
        await session.ok('globalThis.kept = 42;');
        const attack = await session.run(`${spinner.code} ?? 'left behind'`, { timeoutMs: 2_000 });
        if (attack.value === '"absent"') continue;
        walked++;
        // The spin belongs to the attacking cell: it may time out, and lose the state, for it.
        expect(
          attack.error === undefined || attack.error.kind === 'timeout',
          `${spinner.name}: the attack ended in an unexpected way (${attack.error?.kind}: ${attack.error?.message})`,
        ).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const startedAt = performance.now();
        const next = await session.run(
          'let garbage = []; for (let i = 0; i < 100000; i++) garbage.push({ i }); garbage = null;\nawait echo("innocent");\nconsole.log(typeof kept);',
          { timeoutMs: 3_000 },
        );
        expectUntouched(next, `${spinner.name}, the next cell`);
        expect(next.stdout, `${spinner.name}: the next cell lost the variables`).toBe(
          attack.stateLost ? 'undefined\n' : 'number\n',
        );
        expect(
          performance.now() - startedAt,
          `${spinner.name}: the next cell waited for the leftover`,
        ).toBeLessThan(2_500);
      }
      expect(walked, 'no spinner could be left behind: the check tested nothing').toBeGreaterThan(0);
    },
  },
];

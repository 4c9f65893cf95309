import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Attacks that could take the whole host process down (abort, out-of-memory, a hang) run in a child
 * process each, so that a failure is reported as that child's exit, never as vitest's.
 */

/** The package under test; RLM_ISOLATED_VM_TEST_ENTRY points the children at another copy (e.g. an older one). */
const ENTRY = process.env.RLM_ISOLATED_VM_TEST_ENTRY ?? fileURLToPath(new URL('./index.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface ChildCell {
  readonly value?: string;
  readonly error?: { kind: string; name: string; message: string };
  readonly stdout?: string;
  readonly stderr?: string;
  readonly stateLost?: string;
  /** `runCell` or `createSession` rejected: `Name: message`. */
  readonly thrown?: string;
}

interface ChildRun {
  /** The exit code, or null when a signal ended the child. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a module script in `node --no-node-snapshot` with tsx; `ENTRY` is this package's index. */
function runChild(
  script: string,
  timeoutMs = 60_000,
  extraNodeArgs: readonly string[] = [],
): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--no-node-snapshot', ...extraNodeArgs, '--import', 'tsx', '--input-type=module', '--eval', script],
      {
        cwd: PACKAGE_DIR,
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const signal = (error as { signal?: NodeJS.Signals } | null)?.signal ?? null;
        resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** A child script that opens one session and runs `cells` in it, printing one JSON line of results. */
function cellsScript(
  cells: readonly string[],
  options: { environment?: string; timeoutMs?: number; exit?: boolean } = {},
): string {
  return `
const { createIsolatedVMEnvironment } = await import(${JSON.stringify(ENTRY)});
const environment = createIsolatedVMEnvironment(${options.environment ?? '{ memoryLimitMb: 128 }'});
const hostFunctions = { noop: async () => null, echo: async ([value]) => value };
const results = [];
let session;
try {
  session = await environment.createSession({ context: 'the context', hostFunctions });
} catch (error) {
  results.push({ thrown: error.name + ': ' + error.message });
}
for (const code of ${JSON.stringify(cells)}) {
  if (!session) break;
  try {
    const r = await session.runCell(code, { timeoutMs: ${options.timeoutMs ?? 3_000} });
    results.push({
      value: r.value,
      error: r.error && { kind: r.error.kind, name: r.error.name, message: r.error.message },
      stdout: r.stdout,
      stderr: r.stderr,
      stateLost: r.stateLost,
    });
  } catch (error) {
    results.push({ thrown: error.name + ': ' + error.message });
  }
}
console.log('RESULTS ' + JSON.stringify(results));
await session?.dispose();
${options.exit === false ? '' : 'process.exit(0);'}
`;
}

function resultsOf(run: ChildRun): ChildCell[] {
  const line = run.stdout.split('\n').find((candidate) => candidate.startsWith('RESULTS '));
  if (!line) {
    throw new Error(
      `the child printed no results (exit ${run.code}, signal ${run.signal}); stderr:\n${run.stderr.slice(-2000)}`,
    );
  }
  return JSON.parse(line.slice('RESULTS '.length)) as ChildCell[];
}

/** Runs `items` through `worker`, at most `limit` at once (the machine has few cores). */
async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await worker(items[index] as T);
      }
    }),
  );
  return results;
}

/** A cell run after each attack: it must see nothing of the attack's cell (no output, no late host calls). */
const PROBE = "console.log('probe'); await noop(); 'after'";
const WASM_BYTES = 'new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])';

/**
 * Every route found to post tasks to isolated-vm's task runner (V8's foreground task runner of the
 * isolate), or to block its only thread. isolated-vm 5 aborts the process on a non-nestable delayed
 * task (Atomics.waitAsync with a timeout); the others run their callbacks whenever the isolate next
 * runs, i.e. during a later cell.
 */
const TASK_POSTING_ATTACKS: readonly { readonly name: string; readonly code: string }[] = [
  {
    name: 'Atomics.waitAsync with a 300 ms timeout',
    code: 'Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300)',
  },
  {
    name: 'Atomics.waitAsync with a 1 ms timeout, awaited',
    code: 'await Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1).value',
  },
  {
    name: 'Atomics.waitAsync without a timeout, then Atomics.notify',
    code: "const i32 = new Int32Array(new SharedArrayBuffer(4));\nAtomics.waitAsync(i32, 0, 0).value.then(() => console.log('LEAK'));\nAtomics.notify(i32, 0, 1);",
  },
  {
    name: 'Atomics.waitAsync reached by a computed name',
    code: "Reflect.get(globalThis['Atom' + 'ics'], 'wait' + 'Async')(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)",
  },
  {
    name: 'Atomics.waitAsync from a descriptor',
    code: "Object.getOwnPropertyDescriptor(Atomics, 'waitAsync').value(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)",
  },
  {
    name: 'Atomics.wait with a timeout (blocks the isolate thread)',
    code: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)',
  },
  {
    name: 'FinalizationRegistry cleanup after garbage collection',
    code: "const registry = new FinalizationRegistry(() => console.log('LEAK'));\nfor (let i = 0; i < 100000; i++) registry.register({}, i);\nlet junk = [];\nfor (let i = 0; i < 300000; i++) junk.push({ i });\njunk = null;",
  },
  {
    name: 'WebAssembly.compile',
    code: `WebAssembly.compile(${WASM_BYTES}).then(() => console.log('LEAK'));`,
  },
  {
    name: 'WebAssembly.instantiate',
    code: `WebAssembly.instantiate(${WASM_BYTES}).then(() => console.log('LEAK'));`,
  },
  {
    name: 'WebAssembly.compileStreaming and instantiateStreaming',
    code: `WebAssembly.compileStreaming(${WASM_BYTES});\nWebAssembly.instantiateStreaming(${WASM_BYTES});`,
  },
  {
    name: 'WebAssembly.Module, synchronously',
    code: `new WebAssembly.Instance(new WebAssembly.Module(${WASM_BYTES})) && 'compiled'`,
  },
  {
    name: 'a shared WebAssembly.Memory waited on',
    code: 'const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });\nAtomics.waitAsync(new Int32Array(memory.buffer), 0, 0, 5)',
  },
  {
    name: 'a dynamic import()',
    code: "await import('data:text/javascript,export default 1')",
  },
  {
    name: 'garbage-collector pressure (incremental marking, scavenges, memory reducer)',
    code: 'let kept;\nfor (let i = 0; i < 40; i++) kept = new Array(1_000_000).fill(i);\nkept.length',
  },
  {
    name: 'hot code (concurrent optimizing compiles)',
    code: 'function twice(a) { return a * 2 + 1; }\nlet sum = 0;\nfor (let i = 0; i < 5_000_000; i++) sum += twice(i);\nsum > 0',
  },
];

describe('isolated-vm: routes that post tasks to the isolate, or block it, in a child process each', () => {
  it('none of them crashes or hangs the host, and none leaves work that runs in a later cell', async () => {
    const runs = await inBatches(TASK_POSTING_ATTACKS, 3, (attack) =>
      runChild(cellsScript([attack.code, PROBE]), 60_000),
    );
    const report = TASK_POSTING_ATTACKS.map((attack, index) => {
      const run = runs[index] as ChildRun;
      if (run.code !== 0) return `${attack.name}: the host process ended (exit ${run.code}, ${run.signal})`;
      const [outcome, probe] = resultsOf(run);
      if (!probe || probe.stdout !== 'probe\n' || probe.value !== '"after"' || probe.error) {
        return `${attack.name}: the next cell saw ${JSON.stringify(probe)}`;
      }
      if (outcome?.stdout?.includes('LEAK')) return `${attack.name}: a leftover callback ran`;
      return `${attack.name}: ok`;
    });
    expect(report).toEqual(TASK_POSTING_ATTACKS.map((attack) => `${attack.name}: ok`));
    const outcomes = runs.map((run) => resultsOf(run)[0]);
    // The APIs are not there at all: the cells fail at once with the engine's own error.
    for (const index of [0, 1, 2, 3, 5]) expect(outcomes[index]?.error?.name).toBe('TypeError');
    for (const index of [6, 7, 8, 9, 10, 11]) expect(outcomes[index]?.error?.name).toBe('ReferenceError');
    expect(outcomes[12]?.error?.kind).toBe('runtime');
    expect(outcomes[13]?.value).toBe('1000000');
    expect(outcomes[14]?.value).toBe('true');
  }, 180_000);
});

describe('isolated-vm: memory that memoryLimitMb would not count', () => {
  it('refuses resizable and growable buffers (V8 gives them pages the limit never sees)', async () => {
    const grow = (bufferClass: string, method: string) =>
      `const buffers = [];\nfor (let i = 0; i < 4; i++) {\n  const b = new ${bufferClass}(1, { maxByteLength: 256 * 1024 * 1024 });\n  b.${method}(256 * 1024 * 1024);\n  new Uint8Array(b).fill(1);\n  buffers.push(b);\n}`;
    const cells = [
      grow('ArrayBuffer', 'resize'),
      grow('SharedArrayBuffer', 'grow'),
      'new ArrayBuffer(256 * 1024 * 1024, { maxByteLength: 256 * 1024 * 1024 })',
      'class Big extends ArrayBuffer { constructor() { super(8, { maxByteLength: 2 ** 30 }); } }\nnew Big()',
      'const memories = [];\nfor (let i = 0; i < 4; i++) { const m = new WebAssembly.Memory({ initial: 4096 }); new Uint8Array(m.buffer).fill(1); memories.push(m); }',
      // What stays: fixed-length buffers, counted by the limit.
      'const fixed = new ArrayBuffer(8); class Sub extends ArrayBuffer {}\n[fixed.byteLength, fixed.resizable, new Sub(4) instanceof ArrayBuffer, new Uint8Array(2).buffer.constructor === ArrayBuffer, fixed.slice(2).byteLength, new SharedArrayBuffer(4).growable]',
      'new Uint8Array(200 * 1024 * 1024)',
      'Object.getOwnPropertyNames(globalThis).filter((name) => /Buffer|Assembly|Finalization/.test(name)).sort().join()',
    ];
    const script = `${cellsScript(cells, { exit: false })}\nconsole.log('RSS ' + process.memoryUsage().rss);\nprocess.exit(0);`;
    const run = await runChild(script);
    expect(run.code).toBe(0);
    const results = resultsOf(run);
    for (const index of [0, 1, 2, 3]) {
      expect(results[index]?.error).toMatchObject({ kind: 'runtime', name: 'RangeError' });
      expect(results[index]?.error?.message).toMatch(
        /resizable buffers \(the maxByteLength option\) are not available in this sandbox, because their memory would not count toward its memory limit/,
      );
    }
    expect(results[4]?.error).toMatchObject({
      name: 'ReferenceError',
      message: 'WebAssembly is not defined',
    });
    expect(results[5]?.value).toBe('[ 8, false, true, true, 6, false ]');
    expect(results[6]?.error?.kind).toBe('memory');
    expect(results[7]?.value).toBe('"ArrayBuffer,SharedArrayBuffer"');
    // None of the 4 x 256 MiB reached the host: a child with one idle session takes ~150 MB.
    const rss = Number(/RSS (\d+)/.exec(run.stdout)?.[1]);
    expect(rss).toBeLessThan(400 * 1024 * 1024);
  }, 120_000);
});

/** One native operation that allocates far past the limit: isolated-vm's catastrophic out-of-memory. */
const CATASTROPHE = 'new Array(2 ** 32 - 1).fill(0).length';

function catastropheScript(environmentOptions: string, plan: readonly string[]): string {
  return `
const { createIsolatedVMEnvironment } = await import(${JSON.stringify(ENTRY)});
const environment = createIsolatedVMEnvironment(${environmentOptions});
const results = [];
let session;
for (const step of ${JSON.stringify(plan)}) {
  try {
    if (step === 'new session') {
      await session?.dispose();
      session = await environment.createSession({ context: 'ctx', hostFunctions: {} });
      results.push({ value: 'session' });
      continue;
    }
    const r = await session.runCell(step, { timeoutMs: 10000 });
    results.push({ value: r.value, error: r.error && { kind: r.error.kind, name: r.error.name, message: r.error.message }, stateLost: r.stateLost });
  } catch (error) {
    results.push({ thrown: error.name + ': ' + error.message });
  }
}
console.log('RESULTS ' + JSON.stringify(results));
console.log('EXITING');
process.exit(0);
`;
}

describe('isolated-vm: catastrophic errors (V8 lost control of an isolate)', () => {
  it('replaces a lost isolate once per session; the next catastrophe makes the session unusable, saying what to do', async () => {
    const run = await runChild(
      catastropheScript(
        "{ memoryLimitMb: 64, maxCatastrophicErrorsPerProcess: 3, onCatastrophicError: (message) => console.log('LISTENER ' + message) }",
        [
          'new session',
          'const kept = 1; kept',
          CATASTROPHE,
          'typeof kept',
          CATASTROPHE,
          '1 + 1',
          'new session',
          '2 + 2',
        ],
      ),
      120_000,
    );
    const results = resultsOf(run);
    expect(results[1]?.value).toBe('1');
    expect(results[2]?.error).toMatchObject({ kind: 'crash', name: 'SandboxError' });
    expect(results[2]?.stateLost).toMatch(/new isolate was started/);
    expect(results[3]?.value).toBe('"undefined"');
    expect(results[4]?.thrown).toMatch(
      /^SandboxError: This isolated-vm session is unusable: isolated-vm reported that V8 lost control of the isolate \(Catastrophic out-of-memory error\).*2 isolates this session lost to catastrophic errors, more than the 1 it replaces \(maxCatastrophicRestarts\).*Restart the process.*@rlm\/env-deno/s,
    );
    expect(results[5]?.thrown).toMatch(/^SandboxError: This isolated-vm session is unusable/);
    // Another session of the same process still works (2 of the 3 allowed so far).
    expect(results[7]?.value).toBe('4');
    // The listener hears of each lost isolate once (isolated-vm may report one twice).
    expect(run.stdout.match(/^LISTENER .*$/gm)).toEqual([
      'LISTENER Catastrophic out-of-memory error',
      'LISTENER Catastrophic out-of-memory error',
    ]);
    // process.exit() would hang in isolated-vm's thread-pool destructor; it ends the process instead.
    expect(run.stdout).toMatch(/EXITING/);
    expect(run.signal).toBe('SIGKILL');
    expect(run.ms).toBeLessThan(100_000);
    expect(run.stderr).toMatch(
      /@rlm\/env-isolated-vm: ending the process with SIGKILL \(exit code 0 was asked for\): isolated-vm lost control of 2 isolate\(s\)/,
    );
    // Said once, at the first catastrophe, as a process warning.
    expect(run.stderr.match(/RLM_ISOLATED_VM_CATASTROPHIC_ERROR/g)).toHaveLength(1);
  }, 150_000);

  it('starts no isolate in the process after maxCatastrophicErrorsPerProcess, neither a restart nor a new session', async () => {
    const run = await runChild(
      catastropheScript(
        '{ memoryLimitMb: 64, maxCatastrophicRestarts: 5, maxCatastrophicErrorsPerProcess: 2 }',
        ['new session', CATASTROPHE, CATASTROPHE, 'new session'],
      ),
      120_000,
    );
    const results = resultsOf(run);
    expect(results[1]?.stateLost).toMatch(/new isolate was started/);
    expect(results[2]?.thrown).toMatch(
      /^SandboxError: This isolated-vm session is unusable: .*A new isolate could not be started: isolated-vm lost control of 2 isolates in this process .*\(maxCatastrophicErrorsPerProcess = 2\).*no new isolate is started in this process\. Restart the process/s,
    );
    expect(results[3]?.thrown).toMatch(
      /^SandboxError: isolated-vm lost control of 2 isolates in this process .*maxCatastrophicErrorsPerProcess = 2/s,
    );
    expect(run.signal).toBe('SIGKILL');
  }, 150_000);
});

/** A child that runs one cell while a 1 ms ticker measures the host's event loop and memory. */
function pressureScript(code: string, memoryLimitMb: number, timeoutMs: number): string {
  return `
const { createIsolatedVMEnvironment } = await import(${JSON.stringify(ENTRY)});
let calls = 0, running = 0, mostRunning = 0, mostChars = 0, chars = 0;
const hostFunctions = {
  noop: async () => { calls++; return null; },
  hold: async (args) => {
    calls++; running++; mostRunning = Math.max(mostRunning, running);
    const size = JSON.stringify(args).length; chars += size; mostChars = Math.max(mostChars, chars);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running--; chars -= size;
    return String(args[0]);
  },
};
const session = await createIsolatedVMEnvironment({ memoryLimitMb: ${memoryLimitMb} }).createSession({ context: 'c', hostFunctions });
await session.runCell('1');
globalThis.gc();
const base = process.memoryUsage();
let worstLag = 0, peakHeap = 0, last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  worstLag = Math.max(worstLag, now - last - 1);
  last = now;
  const usage = process.memoryUsage();
  peakHeap = Math.max(peakHeap, usage.heapUsed + usage.external - base.heapUsed - base.external);
}, 1);
const result = await session.runCell(${JSON.stringify(code)}, { timeoutMs: ${timeoutMs} });
clearInterval(ticker);
console.log('RESULTS ' + JSON.stringify([{ value: result.value, error: result.error, worstLag, peakHeapMb: peakHeap / 2 ** 20, calls, mostRunning, mostChars }]));
process.exit(0);
`;
}

describe('isolated-vm: what a cell can make the host hold or wait for', () => {
  it('a flood of a million host calls leaves the host event loop responsive, and reaches it 32 at a time', async () => {
    const run = await runChild(
      pressureScript('for (let i = 0; i < 1e6; i++) noop(i);', 512, 10_000),
      90_000,
      ['--expose-gc'],
    );
    const [outcome] = resultsOf(run) as (ChildCell & { worstLag: number; calls: number })[];
    // Measured at 16–20 s before (the host ran ~250k calls in one go); ~0.1 s after, on a busy machine.
    expect(outcome?.worstLag).toBeLessThan(1_000);
    expect(outcome?.calls).toBeLessThanOrEqual(64);
  }, 120_000);

  it('twelve 40 MB arguments reach the host one at a time, and its heap stays bounded', async () => {
    const run = await runChild(
      pressureScript(
        "const s = 'x'.repeat(40_000_000);\nawait Promise.all(Array.from({ length: 12 }, (_, i) => hold(i, s)));",
        1024,
        60_000,
      ),
      120_000,
      ['--expose-gc'],
    );
    const [outcome] = resultsOf(run) as (ChildCell & {
      peakHeapMb: number;
      mostRunning: number;
      mostChars: number;
    })[];
    expect(outcome?.value).toBe('[ "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11" ]');
    expect(outcome?.mostRunning).toBe(1);
    expect(outcome?.mostChars).toBeLessThanOrEqual(64 * 1024 * 1024);
    // Before: all twelve at once, 600–970 MB of host heap.
    expect(outcome?.peakHeapMb).toBeLessThan(400);
  }, 150_000);
});

describe('isolated-vm: tight loops of awaited host calls', () => {
  // Each call into the isolate with a timeout leaves a timer in isolated-vm's timer thread until the
  // cell's deadline; ~35,000 due at once overflowed that thread's stack (SIGSEGV, the host gone).
  const LOOPS: readonly { readonly name: string; readonly code: string }[] = [
    { name: 'await in an endless loop', code: 'for (;;) await noop();' },
    {
      name: 'a promise chain that re-arms itself',
      code: 'function again() { return noop().then(again, again); }\nawait again();',
    },
    { name: 'a refused call, caught, in a loop', code: 'for (;;) { try { await fail(); } catch {} }' },
    {
      name: 'batches of 32 at once',
      code: 'for (;;) await Promise.all(Array.from({ length: 32 }, () => noop()));',
    },
  ];

  function loopScript(code: string): string {
    return `
const { createIsolatedVMEnvironment } = await import(${JSON.stringify(ENTRY)});
let calls = 0;
const hostFunctions = {
  noop: async () => { calls++; return null; },
  fail: async () => { calls++; throw new Error('refused'); },
};
const session = await createIsolatedVMEnvironment({ memoryLimitMb: 128 }).createSession({ context: 'c', hostFunctions });
const results = [];
for (const cell of [${JSON.stringify(code)}, ${JSON.stringify(code)}, 'let i = 0;\\nfor (;;) { await noop(); if (++i > 6000) for (;;) {} }']) {
  const r = await session.runCell(cell, { timeoutMs: 4000 });
  results.push({ error: r.error && { kind: r.error.kind, name: r.error.name, message: r.error.message }, stateLost: r.stateLost });
}
// The timers of the last cells fall due now.
await new Promise((resolve) => setTimeout(resolve, 2000));
const after = await session.runCell('1 + 1');
results.push({ value: after.value });
console.log('RESULTS ' + JSON.stringify(results));
console.log('CALLS ' + calls);
process.exit(0);
`;
  }

  it('none of them crashes the host; past 5,000 calls in a cell, code that will not stop costs a restart', async () => {
    const runs = await inBatches(LOOPS, 2, (loop) => runChild(loopScript(loop.code), 90_000));
    const report = LOOPS.map((loop, index) => {
      const run = runs[index] as ChildRun;
      return `${loop.name}: ${run.code === 0 ? 'survived' : `the host process ended (exit ${run.code}, ${run.signal})`}`;
    });
    expect(report).toEqual(LOOPS.map((loop) => `${loop.name}: survived`));
    for (const run of runs) {
      const results = resultsOf(run);
      expect(results[0]?.error?.kind).toBe('timeout');
      expect(results[0]?.stateLost).toBeUndefined();
      expect(results[2]?.error?.kind).toBe('timeout');
      expect(results[2]?.stateLost).toMatch(/its code did not stop, so the isolate was disposed/);
      expect(results[3]?.value).toBe('2');
    }
  }, 240_000);
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import type { CellResult, HostFunction, ReplEnvironment } from '../environment/repl-environment';
import type { EnvironmentCapabilities } from './test-environment';
import {
  compareHostIntrinsics,
  findNonJson,
  type HostIntrinsicsSnapshot,
  snapshotHostIntrinsics,
} from './test-environment-security-oracles';
import { DEFERRED_WORK_CHECKS } from './test-environment-security-deferred-work';
import { HOST_PRESSURE_CHECKS } from './test-environment-security-host-pressure';
import { ATTACK_SURFACES, type AttackSurface } from './test-environment-security-surfaces';
import { fileUrl, type SecurityTraps, setSecurityTraps } from './test-environment-security-traps';
import {
  type ConformanceSession,
  createSessionOpener,
  DEFAULT_CONFORMANCE_CONTEXT,
  expectMemoryFailure,
  type OpenSessionOptions,
} from './test-environment-session';

/** A capability some security checks need; an environment that lacks it fails them. */
export type SecurityCapability = 'memoryLimit' | 'interruptsSynchronousCode' | 'cellsRunOffTheHostThread';

/**
 * Capabilities whose absence is a documented limit of an engine rather than a hole: a check that
 * needs one is skipped, saying why, instead of failing. (QuickJS runs cells on the host's thread, so
 * a busy cell holds the host's event loop for as long as its time limit allows.)
 */
const SKIPPED_WITHOUT: ReadonlySet<SecurityCapability> = new Set(['cellsRunOffTheHostThread']);

/** What a security check gets to work with. */
export interface SecurityKit {
  /** Opens a session of the environment under test (host functions as in the conformance suite). */
  open(options?: OpenSessionOptions): Promise<ConformanceSession>;
  /** The canary, secret files and listener set up on the host. */
  readonly traps: SecurityTraps;
  /** Milliseconds the environment may take to stop a cell after its timeout. */
  readonly stopGraceMs: number;
}

/** One adversarial check: an attack, what the host expects to see, and that everything is fine after. */
export interface SecurityCheck {
  readonly title: string;
  /** Capabilities without which the environment cannot pass (it fails the check, saying so). */
  readonly needs?: readonly SecurityCapability[];
  /** The vitest timeout of the check, when the default is not enough. */
  readonly testTimeoutMs?: number;
  /**
   * True when a sandbox that hands the cell the host's own globals and objects (a bare `node:vm`
   * context) fails this check. Core's own tests run such a sandbox to prove these checks can fail.
   */
  readonly failsWhenHostIsExposed?: boolean;
  run(kit: SecurityKit): Promise<void>;
}

/** Checks that belong together, registered as one `describe` block. */
export interface SecurityCheckGroup {
  readonly name: string;
  readonly checks: readonly SecurityCheck[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reply of the conformance host's `echo` to `echo(...args)`. */
function echoReply(...args: JsonValue[]): JsonValue {
  return { args, nested: { list: [1, 'two', null] } };
}

/**
 * After an attack: the session still runs cells, `context` is intact, a host call goes and comes back
 * as plain JSON, `FINAL` works, and nothing else reached `echo` meanwhile.
 */
export async function expectSessionUnharmed(
  session: ConformanceSession,
  expectedContext = `string ${DEFAULT_CONFORMANCE_CONTEXT.length}`,
): Promise<void> {
  const before = session.host.calls.echo?.length ?? 0;
  const result = await session.run(
    "console.log(typeof context, context.length);\nFINAL(await echo('unharmed'));",
    { timeoutMs: 10_000 },
  );
  expect(result.error, 'the session is unusable after the attack').toBeUndefined();
  expect(result.stdout).toBe(`${expectedContext}\n`);
  expect(result.final?.value).toBe(JSON.stringify(echoReply('unharmed'), null, 2));
  expect(session.host.calls.echo?.slice(before)).toEqual([['unharmed']]);
}

/** Fails unless the cell ended at its timeout (a restart is allowed) within the environment's grace. */
function expectStoppedInTime(result: CellResult, timeoutMs: number, startedAt: number, stopGraceMs: number) {
  expect(result.error?.kind).toBe('timeout');
  expect(performance.now() - startedAt).toBeLessThan(timeoutMs + stopGraceMs);
}

// ---------------------------------------------------------------------------------------------
// Reaching the host through the values it passes in
// ---------------------------------------------------------------------------------------------

/**
 * In-sandbox helpers, pasted at the top of a block: `check(label, value)` records `label` in
 * `foreign` when the value leads to a global object other than the sandbox's own, through its
 * constructor's constructor (`x.constructor.constructor('return globalThis')()`) or through the root
 * of its prototype chain; `callersOf(fn)` walks `fn.caller` as far as the engine allows.
 */
const REALM_PROBE = `
const sandboxGlobal = globalThis;
const foreign = [];
const reachedGlobals = (value) => {
  const reached = [];
  try {
    const MaybeFunction = value.constructor.constructor;
    if (typeof MaybeFunction === 'function') reached.push(MaybeFunction('return globalThis')());
  } catch (error) {}
  try {
    let root = value;
    for (let depth = 0; depth < 100; depth++) {
      const next = Object.getPrototypeOf(root);
      if (next === null) break;
      root = next;
    }
    const descriptor = Object.getOwnPropertyDescriptor(root, 'constructor');
    const RootFunction = descriptor && typeof descriptor.value === 'function' ? descriptor.value.constructor : undefined;
    if (typeof RootFunction === 'function') reached.push(RootFunction('return globalThis')());
  } catch (error) {}
  return reached;
};
const check = (label, value) => {
  if (value === null || value === undefined) return;
  for (const reached of reachedGlobals(value)) {
    if (reached !== sandboxGlobal && !foreign.includes(label)) foreign.push(label);
  }
};
const callersOf = (start) => {
  const chain = [];
  let current = start;
  for (let depth = 0; depth < 50; depth++) {
    let next;
    try { next = current.caller; } catch (error) { break; }
    if (typeof next !== 'function') break;
    chain.push(next);
    current = next;
  }
  return chain;
};
`;

const OBJECT_CONTEXT: JsonValue = { doc: 'text', list: [1, 'two'], nested: { deep: [{}] } };

const HOST_OBJECT_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'values the host passes in (context, functions, results, errors) lead only to the sandbox’s own global',
    failsWhenHostIsExposed: true,
    async run(kit) {
      const contexts: Array<[JsonValue, string]> = [
        [DEFAULT_CONFORMANCE_CONTEXT, `string ${DEFAULT_CONFORMANCE_CONTEXT.length}`],
        [['first', 'second'], 'object 2'],
        [OBJECT_CONTEXT, 'object undefined'],
      ];
      for (const [context, expectedContext] of contexts) {
        const session = await kit.open({ context });
        const result = await session.run(
          `{${REALM_PROBE}
check('context', context);
if (context && typeof context === 'object') for (const key of Object.keys(context)) check('context.' + key, context[key]);
for (const name of ['llm_query', 'echo', 'fail', 'never', 'nothing', 'FINAL', 'FINAL_VAR', 'SHOW_VARS', 'console']) {
  check(name, globalThis[name]);
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  if (descriptor) { check(name + ' getter', descriptor.get); check(name + ' setter', descriptor.set); }
}
check('console.log', console.log);
const pending = echo('realm');
check('host call promise', pending);
check('host call promise then', pending.then);
const reply = await pending;
check('host result', reply);
check('host result.args', reply.args);
check('host result.nested', reply.nested);
check('host result.nested.list', reply.nested.list);
check('host result __proto__', reply.__proto__);
check('host result constructor', reply.constructor);
check('llm_query result', await llm_query('realm'));
check('nothing result', await nothing());
try { await fail('x'); } catch (error) { check('host rejection', error); check('host rejection stack', error.stack); }
try { await echo(1n); } catch (error) { check('refused arguments', error); }
console.log(JSON.stringify(foreign));
}`,
        );
        expect(result.error).toBeUndefined();
        expect(result.stdout).toBe('[]\n');
        await expectSessionUnharmed(session, expectedContext);
      }
    },
  },
  {
    title: 'Error.prepareStackTrace and Error.captureStackTrace hand the cell only sandbox frames',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `{${REALM_PROBE}
const sites = [];
Error.prepareStackTrace = (error, callSites) => { if (Array.isArray(callSites)) sites.push(...callSites); return 'prepared'; };
try { await fail('x'); } catch (error) { String(error.stack); }
try { null.boom; } catch (error) { String(error.stack); }
try { await echo(1n); } catch (error) { String(error.stack); }
try { JSON.parse('{'); } catch (error) { String(error.stack); }
const target = {};
if (typeof Error.captureStackTrace === 'function') { Error.captureStackTrace(target); String(target.stack); }
delete Error.prepareStackTrace;
for (const site of sites) {
  check('call site', site);
  for (const method of ['getThis', 'getFunction', 'getTypeName', 'getEvalOrigin', 'getFileName']) {
    try { if (typeof site[method] === 'function') check('call site ' + method, site[method]()); } catch (error) {}
  }
}
console.log(JSON.stringify(foreign));
}`,
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('[]\n');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: '`fn.caller` chains from functions the environment calls (toJSON, getters) stay inside',
    async run(kit) {
      const session = await kit.open();
      const during = await session.run(
        `{${REALM_PROBE}
const seen = [];
await echo({ toJSON: function toJSONProbe() { seen.push(...callersOf(toJSONProbe)); return 'json'; } });
const answer = {};
Object.defineProperty(answer, 'value', { enumerable: true, get: function answerProbe() { seen.push(...callersOf(answerProbe)); return 42; } });
FINAL(answer);
for (const fn of seen) check('caller', fn);
console.log(JSON.stringify(foreign));
}`,
      );
      expect(during.error).toBeUndefined();
      expect(during.stdout).toBe('[]\n');
      // Getters of a thrown error run when the environment describes it, after the cell's code.
      const thrown = await session.run(
        `${REALM_PROBE.replaceAll('const ', 'var ')}
var reportedCallers = [];
var error = new Error('original');
for (const key of ['message', 'name', 'stack']) {
  Object.defineProperty(error, key, { configurable: true, get: function errorGetterProbe() { reportedCallers.push(...callersOf(errorGetterProbe)); return 'from a getter'; } });
}
throw error;`,
      );
      expect(thrown.error?.kind).toBe('runtime');
      const report = await session.run(
        "for (const fn of reportedCallers) check('caller of an error getter', fn);\nconsole.log(JSON.stringify(foreign));",
      );
      expect(report.error).toBeUndefined();
      expect(report.stdout).toBe('[]\n');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'Symbol.species hooks on host-call promises and results are handed only sandbox values',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `{${REALM_PROBE}
const handed = [];
class SpeciesPromise extends Promise {
  constructor(executor) {
    super((resolve, reject) => { handed.push(resolve, reject); return executor(resolve, reject); });
    handed.push(executor);
  }
}
const pending = echo('species');
Object.defineProperty(pending, 'constructor', { value: { [Symbol.species]: SpeciesPromise } });
await pending.then((value) => { handed.push(value); return value; });
const reply = await echo('species');
Object.defineProperty(reply.nested.list, 'constructor', {
  value: { [Symbol.species]: function Species(length) { handed.push(this); return new Array(length); } },
});
handed.push(reply.nested.list.map((item) => item));
for (const value of handed) check('handed to a species hook', value);
console.log(JSON.stringify(foreign), handed.length);
}`,
      );
      expect(result.error).toBeUndefined();
      // Nine values prove every hook ran: `then` and the `await` of its SpeciesPromise each build one
      // (resolve, reject, executor), then the value, the array species' `this` and the mapped array.
      expect(result.stdout).toBe('[] 9\n');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'host functions receive plain JSON only, whatever the cell passes (proxies, getters, toJSON, …)',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `{
const outcomes = [];
const send = async (label, value) => {
  try { await echo(label, value); outcomes.push(label + ' sent'); } catch (error) { outcomes.push(label + ' refused'); }
};
await send('proxy', new Proxy({ a: 1 }, { get: (target, key, receiver) => (key === 'a' ? 2 : Reflect.get(target, key, receiver)) }));
await send('proxy array', new Proxy([1, 2], {}));
await send('revoked proxy', (() => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; })());
await send('throwing proxy', new Proxy({}, { ownKeys() { throw new Error('trap'); } }));
await send('toJSON', { toJSON() { return { replaced: true }; } });
await send('toString and valueOf', { toString() { return 'text'; }, valueOf() { return 7; } });
await send('getter', { get computed() { return 'value'; } });
await send('inherited', Object.create({ inherited: 1 }));
await send('class instance', new (class Point { constructor() { this.x = 1; } })());
await send('date', new Date(0));
await send('map', new Map([[1, 2]]));
await send('typed array', new Uint8Array([1, 2]));
await send('symbol key', { [Symbol('s')]: 1, plain: 2 });
await send('function member', { fn() {}, kept: 1 });
await send('undefined member', { gone: undefined, kept: null });
await send('NaN and infinities', [NaN, -0, Infinity]);
await send('sparse', [1, , 3]);
await send('null prototype', Object.assign(Object.create(null), { a: 1 }));
await send('__proto__ key', JSON.parse('{"__proto__": {"polluted": 1}}'));
await send('bigint', 1n);
await send('cycle', (() => { const o = {}; o.self = o; return o; })());
console.log(outcomes.join('\\n'));
}`,
      );
      expect(result.error).toBeUndefined();
      // In the order sent: what the host must receive (JSON.stringify's rules), or 'refused'.
      const expected: Array<[string, JsonValue]> = [
        ['proxy', { a: 2 }],
        ['proxy array', [1, 2]],
        ['revoked proxy', 'refused'],
        ['throwing proxy', 'refused'],
        ['toJSON', { replaced: true }],
        ['toString and valueOf', {}],
        ['getter', { computed: 'value' }],
        ['inherited', {}],
        ['class instance', { x: 1 }],
        ['date', '1970-01-01T00:00:00.000Z'],
        ['map', {}],
        ['typed array', { '0': 1, '1': 2 }],
        ['symbol key', { plain: 2 }],
        ['function member', { kept: 1 }],
        ['undefined member', { kept: null }],
        ['NaN and infinities', [null, 0, null]],
        ['sparse', [1, null, 3]],
        ['null prototype', { a: 1 }],
        // A `__proto__` key in JSON is an own property of that name, not a prototype.
        ['__proto__ key', JSON.parse('{"__proto__": {"polluted": 1}}') as JsonValue],
        ['bigint', 'refused'],
        ['cycle', 'refused'],
      ];
      expect(result.stdout.trim().split('\n')).toEqual(
        expected.map(([label, value]) => `${label} ${value === 'refused' ? 'refused' : 'sent'}`),
      );
      const sent = expected.filter(([, value]) => value !== 'refused');
      const received = session.host.calls.echo ?? [];
      expect(received.map((args) => args[0])).toEqual(sent.map(([label]) => label));
      for (const [index, args] of received.entries()) {
        expect(findNonJson(args), `echo(${JSON.stringify(args[0])}) received`).toBeUndefined();
        expect(args).toEqual(sent[index]);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await expectSessionUnharmed(session);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Making code from strings
// ---------------------------------------------------------------------------------------------

const CODE_GENERATION_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'eval, Function and the async and generator Function constructors reach only the sandbox’s global',
    failsWhenHostIsExposed: true,
    async run(kit) {
      const session = await kit.open({ context: OBJECT_CONTEXT });
      const result = await session.run(
        `{
const reachedBy = {
  'indirect eval': (0, eval)('this'),
  'eval inside Function': Function('return eval("this")')(),
  'Function': Function('return this')(),
  'new Function': new Function('return this')(),
  'AsyncFunction': await (async () => {}).constructor('return this')(),
  'GeneratorFunction': (function* () {}).constructor('yield this')().next().value,
  'AsyncGeneratorFunction': (await (async function* () {}).constructor('yield this')().next()).value,
  'Function of context': context.constructor.constructor('return this')(),
  'Function of llm_query': llm_query.constructor('return this')(),
  'Function of a host result': (await echo('x')).constructor.constructor('return this')(),
  'Function of FINAL': FINAL.constructor('return this')(),
};
const lines = [];
for (const [label, reached] of Object.entries(reachedBy)) {
  const capabilities = ['process', 'require', 'module', 'Buffer', 'Deno', 'Bun', 'std', 'os'].filter((name) => {
    try { return typeof reached[name] !== 'undefined'; } catch (error) { return true; }
  });
  lines.push(label + ': ' + (reached === globalThis ? 'this sandbox' : 'ANOTHER GLOBAL') + (capabilities.length ? ' with ' + capabilities.join(', ') : ''));
}
console.log(lines.join('\\n'));
}`,
      );
      expect(result.error).toBeUndefined();
      const labels = [
        'indirect eval',
        'eval inside Function',
        'Function',
        'new Function',
        'AsyncFunction',
        'GeneratorFunction',
        'AsyncGeneratorFunction',
        'Function of context',
        'Function of llm_query',
        'Function of a host result',
        'Function of FINAL',
      ];
      expect(result.stdout).toBe(`${labels.map((label) => `${label}: this sandbox`).join('\n')}\n`);
      await expectSessionUnharmed(session, 'object undefined');
    },
  },
  {
    title: 'import() loads nothing: no built-in module, file, URL, data: URL or package',
    failsWhenHostIsExposed: true,
    async run(kit) {
      const session = await kit.open();
      const { traps } = kit;
      const specifiers = [
        'fs',
        'node:fs',
        'node:child_process',
        fileUrl(traps.secretModule),
        traps.secretModule,
        './secret.mjs',
        `${traps.listenerUrl}/import.mjs`,
        'data:text/javascript,globalThis.dataModuleRan = true; export default 1;',
        'npm:left-pad',
        'jsr:@std/fs',
      ];
      const result = await session.run(
        `const outcomes = [];
for (const specifier of ${JSON.stringify(specifiers)}) {
  try { await import(specifier); outcomes.push('loaded ' + specifier); } catch (error) { outcomes.push('refused'); }
}
console.log(outcomes.join(' '), typeof dataModuleRan, typeof remoteCodeRan);`,
        { timeoutMs: 30_000 },
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe(`${specifiers.map(() => 'refused').join(' ')} undefined undefined\n`);
      await expectSessionUnharmed(session);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Work that outlives its cell
// ---------------------------------------------------------------------------------------------

/** Host calls recorded under `name` whose first argument starts with `prefix`. */
function callsStartingWith(session: ConformanceSession, name: string, prefix: string): JsonValue[][] {
  return (session.host.calls[name] ?? []).filter(
    (args) => typeof args[0] === 'string' && args[0].startsWith(prefix),
  );
}

const OUTLIVING_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'timers set by a cell never fire after it ended: no host call, no output, no state change',
    failsWhenHostIsExposed: true,
    async run(kit) {
      const session = await kit.open();
      const scheduled = await session.run(
        `const late = (label) => () => { globalThis.lateRuns = (globalThis.lateRuns || 0) + 1; console.log('LATE ' + label); echo('late ' + label); };
const kinds = [];
if (typeof setTimeout === 'function') {
  setTimeout(late('setTimeout'), 20);
  try { setTimeout('globalThis.lateRuns = 100', 20); } catch (error) {}
  kinds.push('setTimeout');
}
if (typeof setInterval === 'function') { setInterval(late('setInterval'), 20); kinds.push('setInterval'); }
if (typeof setImmediate === 'function') { setImmediate(late('setImmediate')); kinds.push('setImmediate'); }
if (typeof requestAnimationFrame === 'function') { requestAnimationFrame(late('requestAnimationFrame')); kinds.push('requestAnimationFrame'); }
kinds.join(' ')`,
      );
      expect(scheduled.error).toBeUndefined();
      await sleep(300);
      expect(callsStartingWith(session, 'echo', 'late')).toEqual([]);
      const after = await session.run(
        "const first = globalThis.lateRuns || 0;\nawait echo('between');\nconsole.log(first, globalThis.lateRuns || 0);",
      );
      expect(after.error).toBeUndefined();
      expect(after.stdout).toBe('0 0\n');
      await sleep(100);
      expect(callsStartingWith(session, 'echo', 'late')).toEqual([]);
      await expectSessionUnharmed(session);
    },
  },
  {
    title:
      'callbacks chained on host calls a cell did not await never run in a later cell, nor get the late result',
    failsWhenHostIsExposed: true,
    async run(kit) {
      const session = await kit.open({ latencyMs: 100 });
      const first = await session.run(
        `globalThis.lateRuns = 0;
const late = (label) => (value) => { globalThis.lateRuns++; globalThis.lateValue = value; console.log('LATE ' + label); echo('late ' + label); };
llm_query('slow').then(late('then'), late('then-rejected'));
never('forever').then(late('never-then'), late('never-rejected'));
(async () => { try { globalThis.lateValue = await llm_query('awaited later'); } catch (error) {} late('after await')(); })();
'started'`,
      );
      expect(first.error).toBeUndefined();
      expect(first.stdout).toBe('');
      await sleep(300);
      expect(callsStartingWith(session, 'echo', 'late')).toEqual([]);
      const second = await session.run(
        "const before = globalThis.lateRuns;\nawait echo('between');\nawait null;\nconsole.log(before === globalThis.lateRuns, typeof lateValue === 'string' && lateValue.startsWith('answer:'));",
      );
      expect(second.error).toBeUndefined();
      expect(second.stdout).toBe('true false\n');
      await sleep(100);
      expect(callsStartingWith(session, 'echo', 'late')).toEqual([]);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'an endless loop of host calls a cell left running stops when the cell ends, and at dispose',
    failsWhenHostIsExposed: true,
    async run(kit) {
      const session = await kit.open({ latencyMs: 20 });
      const started = await session.run(
        "(async () => { for (;;) { await llm_query('loop'); console.log('tick'); } })();\n'started'",
      );
      expect(started.error).toBeUndefined();
      const countAfterCell = callsStartingWith(session, 'llm_query', 'loop').length;
      await sleep(300);
      expect(callsStartingWith(session, 'llm_query', 'loop')).toHaveLength(countAfterCell);
      const next = await session.run("await echo('next');\nawait null;\n'next'");
      expect(next.error).toBeUndefined();
      expect(next.stdout).toBe('');
      await expectSessionUnharmed(session);
      // The same loop in a session that is disposed while its cell still waits.
      const other = await kit.open({ latencyMs: 20 });
      const running = other.session.runCell(
        "(async () => { for (;;) { await llm_query('loop'); } })();\nawait never('x');",
        { timeoutMs: 30_000 },
      );
      await sleep(100);
      await other.session.dispose();
      await running.catch(() => undefined);
      const countAtDispose = callsStartingWith(other, 'llm_query', 'loop').length;
      await sleep(300);
      expect(callsStartingWith(other, 'llm_query', 'loop')).toHaveLength(countAtDispose);
    },
  },
  {
    title: 'an endless microtask loop ends at the timeout and does not run on afterwards',
    needs: ['interruptsSynchronousCode'],
    async run(kit) {
      const session = await kit.open();
      const startedAt = performance.now();
      const result = await session.run(
        "globalThis.ticks = 0;\n(function loop() { ticks++; Promise.resolve().then(loop); })();\nif (typeof queueMicrotask === 'function') queueMicrotask(function again() { ticks++; queueMicrotask(again); });\n'started'",
        { timeoutMs: 300 },
      );
      expectStoppedInTime(result, 300, startedAt, kit.stopGraceMs);
      const read = "typeof ticks === 'number' ? ticks : -1";
      const first = await session.run(read);
      await sleep(100);
      const second = await session.run(`await echo('between');\n${read}`);
      expect(first.error).toBeUndefined();
      expect(second.value).toBe(first.value);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a promise that never settles ends at the timeout; the variables stay',
    async run(kit) {
      const session = await kit.open();
      await session.ok("const kept = 'kept';");
      const startedAt = performance.now();
      const result = await session.run('await new Promise(() => {});', { timeoutMs: 300 });
      expectStoppedInTime(result, 300, startedAt, kit.stopGraceMs);
      expect(result.stateLost).toBeUndefined();
      expect((await session.ok('kept')).value).toBe('"kept"');
      await expectSessionUnharmed(session);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Exhausting resources
// ---------------------------------------------------------------------------------------------

/** Single allocations and growth loops that no memory limit can hold. */
const ALLOCATION_BOMBS: readonly string[] = [
  'let doubling = [1];\nwhile (true) doubling = doubling.concat(doubling);',
  "let text = 'x';\nwhile (true) text += text;",
  'const huge = new Uint8Array(2 ** 30);\nhuge.length',
  'const buffer = new ArrayBuffer(2 ** 31);\nbuffer.byteLength',
  'new Array(2 ** 32 - 1).fill(0).length',
  "'x'.repeat(2 ** 29).length",
  'const grow = new Map();\nfor (let i = 0; ; i++) grow.set(i, { i, text: String(i).repeat(64) });',
];

const RESOURCE_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'an output flood on both streams keeps exactly the cap, and says how much it dropped',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        "const line = 'x'.repeat(999);\nfor (let i = 0; i < 5000; i++) { console.log(line); console.error(line); }",
        { maxOutputChars: 100_000 },
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout.length + result.stderr.length).toBe(100_000);
      expect(result.droppedOutputChars).toBe(10_000_000 - 100_000);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a 10 MB line is cut to the cap exactly',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('y'.repeat(10_000_000));", { maxOutputChars: 1_000_000 });
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('y'.repeat(1_000_000));
      expect(result.droppedOutputChars).toBe(10_000_001 - 1_000_000);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a 100 MB string printed once is cut to the cap, or ends in a memory error; the host survives',
    needs: ['memoryLimit'],
    testTimeoutMs: 90_000,
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('z'.repeat(100 * 1024 * 1024));", {
        maxOutputChars: 100_000,
        timeoutMs: 60_000,
      });
      if (result.error) expectMemoryFailure(result);
      else {
        expect(result.stdout).toBe('z'.repeat(100_000));
        expect(result.droppedOutputChars).toBe(100 * 1024 * 1024 + 1 - 100_000);
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'deep recursion ends in a clean runtime error; the variables stay',
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
        expect(result.error?.kind, code).toBe('runtime');
        expect(result.stateLost, code).toBeUndefined();
      }
      expect((await session.ok('kept')).value).toBe('"kept"');
      await expectSessionUnharmed(session);
    },
  },
  {
    title:
      'a value nested 100,000 deep, stringified, parsed or sent to the host, works or fails closed (an error, or a restart that says so)',
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
        else if (result.stateLost === undefined) expect(result.error.kind, code).toBe('runtime');
        else expect(result.error.kind, code).toBe('crash');
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'allocation bombs end in a memory error (or a restart that says so), and the next cell runs',
    needs: ['memoryLimit'],
    testTimeoutMs: 180_000,
    async run(kit) {
      const session = await kit.open();
      for (const code of ALLOCATION_BOMBS) {
        const result = await session.run(code, { timeoutMs: 60_000 });
        expect(result.error, code).toBeDefined();
        // An engine may refuse an impossible size at once (RangeError; QuickJS: InternalError).
        const refusedAtOnce =
          result.error?.kind === 'runtime' && ['RangeError', 'InternalError'].includes(result.error.name);
        if (!refusedAtOnce) expectMemoryFailure(result);
        expect((await session.ok('context.length')).value, code).toBe(
          String(DEFAULT_CONFORMANCE_CONTEXT.length),
        );
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'catastrophic regex backtracking stops at the timeout',
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
        expect(performance.now() - startedAt, code).toBeLessThan(1_000 + kit.stopGraceMs);
      }
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'value, error name, message and stack are each cut to the output cap (at least 1,000 characters)',
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
          expect(text?.length ?? 0, code).toBeLessThanOrEqual(cap);
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

// ---------------------------------------------------------------------------------------------
// Text the host must carry exactly
// ---------------------------------------------------------------------------------------------

/** Lone surrogates, a NUL, line and paragraph separators and an astral pair, as JavaScript source. */
const ODD_TEXT_SOURCE = String.raw`'lone \ud800 high, lone \udc00 low, nul \u0000 byte, separators \u2028 \u2029, pair \ud83d\ude80, quote " backslash \\ end'`;
const ODD_TEXT =
  'lone \ud800 high, lone \udc00 low, nul \u0000 byte, separators \u2028 \u2029, pair 🚀, quote " backslash \\ end';

const TEXT_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'lone surrogates, NUL bytes and line separators come through stdout, stderr, value, errors and FINAL exactly',
    async run(kit) {
      const session = await kit.open();
      const printed = await session.run(
        `const odd = ${ODD_TEXT_SOURCE};\nconsole.log(odd);\nconsole.error(odd);\nFINAL(odd);\nodd`,
      );
      expect(printed.error).toBeUndefined();
      expect(printed.stdout).toBe(`${ODD_TEXT}\n`);
      expect(printed.stderr).toBe(`${ODD_TEXT}\n`);
      expect(printed.final?.value).toBe(ODD_TEXT);
      expect(printed.value).toBe(JSON.stringify(ODD_TEXT));
      const thrown = await session.run('throw new Error(odd);');
      expect(thrown.error?.message).toBe(ODD_TEXT);
      const thrownText = await session.run('throw odd;');
      expect(thrownText.error?.message).toContain('nul');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'the cap cuts between the halves of a surrogate pair without breaking the transfer',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('🚀'.repeat(10));", { maxOutputChars: 5 });
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('🚀🚀\ud83d');
      expect(result.droppedOutputChars).toBe(21 - 5);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'strings whose JSON is far longer than the cap come through whole when they fit it',
    async run(kit) {
      const session = await kit.open();
      // Three characters that JSON writes as ten: \" \\ \u0000.
      const result = await session.run(
        "const heavy = '\"\\\\\\u0000'.repeat(200_000);\nconsole.log(heavy);\nFINAL(heavy);",
        { maxOutputChars: 1_000_000 },
      );
      const heavy = '"\\\u0000'.repeat(200_000);
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe(`${heavy}\n`);
      expect(result.droppedOutputChars).toBe(0);
      expect(result.final?.value).toBe(heavy);
      await expectSessionUnharmed(session);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Prototype pollution
// ---------------------------------------------------------------------------------------------

const POLLUTION = `Object.prototype.polluted = 1; Array.prototype.polluted = 1; String.prototype.polluted = 1;
Array.prototype.map = () => 'hacked'; Array.prototype.join = () => 'hacked'; Array.prototype.push = () => 0;
Array.prototype[Symbol.iterator] = function* () { yield 'hacked'; };
JSON.parse = () => ({ hacked: true }); JSON.stringify = () => '"hacked"';
String.prototype.slice = () => 'hacked'; String.prototype.indexOf = () => -1;
Object.keys = () => []; Object.defineProperty = () => { throw new Error('hacked'); };
Object.getOwnPropertyDescriptor = () => undefined; Object.getPrototypeOf = () => null;
Function.prototype.call = function () { return 'hacked'; }; Function.prototype.apply = function () { return 'hacked'; };
Function.prototype.bind = function () { return () => 'hacked'; };
Promise.prototype.then = function () { return this; }; Promise.resolve = () => 'hacked';
Reflect.apply = () => 'hacked'; Error.prepareStackTrace = () => 'hacked'; Error.stackTraceLimit = 0;`;

const POLLUTION_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'polluting the sandbox’s intrinsics, the context’s and host results’ prototypes leaves the host’s untouched',
    failsWhenHostIsExposed: true,
    async run(kit) {
      for (const context of [OBJECT_CONTEXT, ['first', 'second']]) {
        const session = await kit.open({ context });
        const before = snapshotHostIntrinsics();
        await session.run(
          `const reply = await echo({ a: 1 });
Object.getPrototypeOf(context).viaContext = 1;
context.constructor.prototype.viaContextConstructor = 1;
Object.getPrototypeOf(Object.getPrototypeOf(context)).viaContextRoot = 1;
reply.__proto__.viaResult = 1; reply.nested.list.__proto__.viaNested = 1; reply.constructor.prototype.viaResultConstructor = 1;
await echo(JSON.parse('{"__proto__": {"viaArgument": 1}}'));
${POLLUTION}`,
        );
        expect(compareHostIntrinsics(before, snapshotHostIntrinsics())).toEqual([]);
        const probe: Record<string, unknown> = {};
        for (const key of ['polluted', 'viaContext', 'viaContextRoot', 'viaResult', 'viaArgument']) {
          expect(probe[key], key).toBeUndefined();
        }
      }
    },
  },
  {
    title:
      'after a cell replaced the intrinsics the prelude uses, later cells still print, call the host and answer',
    async run(kit) {
      const session = await kit.open();
      await session.run(POLLUTION);
      const before = session.host.calls.echo?.length ?? 0;
      const result = await session.run(
        "console.log('printed', [1, 2], { a: 'b' });\nconsole.error('warned');\nFINAL(await echo('x', [1, 2], { k: 'v' }));",
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('printed [ 1, 2 ] { a: "b" }\n');
      expect(result.stderr).toBe('warned\n');
      expect(result.final?.value).toBe(JSON.stringify(echoReply('x', [1, 2], { k: 'v' }), null, 2));
      expect(session.host.calls.echo?.slice(before)).toEqual([['x', [1, 2], { k: 'v' }]]);
      const vars = await session.run('console.log(SHOW_VARS())');
      expect(vars.error).toBeUndefined();
      expect(vars.stdout.startsWith('No variables yet') || vars.stdout.startsWith('Variables')).toBe(true);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'a replaced toJSON cannot make the host receive anything but a list of JSON values',
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `const outcomes = [];
for (const [owner, replacement] of [[Object.prototype, () => 'hacked'], [Array.prototype, () => ({ not: 'a list' })], [String.prototype, () => 1]]) {
  owner.toJSON = replacement;
  try { await echo('x'); outcomes.push('answered'); } catch (error) { outcomes.push('refused'); }
  delete owner.toJSON;
}
console.log(outcomes.length);`,
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('3\n');
      for (const args of session.host.calls.echo ?? []) {
        expect(Array.isArray(args), `echo received ${JSON.stringify(args)}`).toBe(true);
        expect(findNonJson(args)).toBeUndefined();
      }
      await expectSessionUnharmed(session);
    },
  },
];

/** A check per attack surface: every route of it refused, as the host sees it. */
function surfaceCheck(surface: AttackSurface): SecurityCheck {
  return {
    title: `cannot ${surface.name}, by any route (${surface.routes.map((route) => route.name).join(', ')})`,
    failsWhenHostIsExposed: true,
    testTimeoutMs: 60_000,
    async run(kit) {
      const session = await kit.open();
      const evidence = await surface.probe(session, kit.traps);
      expect(evidence.result.error, 'the probe cell itself failed').toBeUndefined();
      expect(evidence.outcomes, 'every attempt reports an outcome').toHaveLength(evidence.attempts);
      expect(evidence.breaches).toEqual([]);
      await expectSessionUnharmed(session);
    },
  };
}

/** Every adversarial check, by group, in the order the suite runs them. */
export const SECURITY_CHECK_GROUPS: readonly SecurityCheckGroup[] = [
  {
    name: 'host capabilities (files, network, environment, processes)',
    checks: ATTACK_SURFACES.map(surfaceCheck),
  },
  { name: 'host objects and prototypes', checks: HOST_OBJECT_CHECKS },
  { name: 'code from strings', checks: CODE_GENERATION_CHECKS },
  { name: 'work that outlives its cell', checks: OUTLIVING_CHECKS },
  { name: 'resource exhaustion', checks: RESOURCE_CHECKS },
  { name: 'text edge cases', checks: TEXT_CHECKS },
  { name: 'prototype pollution', checks: POLLUTION_CHECKS },
  { name: 'work that outlives its cell, without timers', checks: DEFERRED_WORK_CHECKS },
  { name: 'pressure on the host', checks: HOST_PRESSURE_CHECKS },
];

/**
 * Registers the adversarial security section of {@link testEnvironment}: a `describe` block that
 * attacks the environment the way hostile model code would, and after every attack checks that the
 * host's intrinsics are untouched, that every host function received a list of plain JSON values,
 * that nothing reached the host's listener, and (inside each check) that the session still works.
 *
 * A check that needs a capability the environment declares it lacks (`memoryLimit: false`,
 * `interruptsSynchronousCode: false`) fails with a message saying so: such an environment cannot
 * stop hostile code, and the suite does not pretend otherwise.
 */
export function describeSecurityConformance(
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
  capabilities: EnvironmentCapabilities = {},
): void {
  const has: Record<SecurityCapability, boolean> = {
    memoryLimit: capabilities.memoryLimit ?? true,
    interruptsSynchronousCode: capabilities.interruptsSynchronousCode ?? true,
    cellsRunOffTheHostThread: capabilities.cellsRunOffTheHostThread ?? true,
  };
  const stopGraceMs = capabilities.stopGraceMs ?? 5_000;

  describe('security (adversarial)', () => {
    const opener = createSessionOpener(factory);
    const argumentProblems: string[] = [];
    let traps: SecurityTraps | undefined;
    let hostBefore: HostIntrinsicsSnapshot | undefined;

    const checkArguments =
      (name: string, hostFunction: HostFunction): HostFunction =>
      (args, options) => {
        const problem = Array.isArray(args) ? findNonJson(args) : 'the arguments are not a list';
        if (problem) argumentProblems.push(`${name}: ${problem}`);
        return hostFunction(args, options);
      };

    const kit: SecurityKit = {
      // A check's own wrapper (if any) sees the call first; the argument check always runs too.
      open: (options) =>
        opener.open({
          ...options,
          wrapHostFunction: (name, hostFunction) => {
            const checked = checkArguments(name, hostFunction);
            return options?.wrapHostFunction ? options.wrapHostFunction(name, checked) : checked;
          },
        }),
      get traps() {
        if (!traps) throw new Error('The security traps are not set up yet.');
        return traps;
      },
      stopGraceMs,
    };

    beforeAll(async () => {
      traps = await setSecurityTraps();
    });

    afterAll(async () => {
      await traps?.close();
    });

    beforeEach(() => {
      argumentProblems.length = 0;
      traps?.clearContacts();
      hostBefore = snapshotHostIntrinsics();
    });

    afterEach(async () => {
      await opener.dispose();
      if (hostBefore) {
        expect(
          compareHostIntrinsics(hostBefore, snapshotHostIntrinsics()),
          'host intrinsics changed',
        ).toEqual([]);
      }
      expect(argumentProblems, 'a host function received something other than a list of plain JSON').toEqual(
        [],
      );
      expect(traps?.contacts(), 'something reached the host’s listener').toEqual([]);
    });

    for (const group of SECURITY_CHECK_GROUPS) {
      describe(group.name, () => {
        for (const check of group.checks) {
          const missing = (check.needs ?? []).filter((capability) => !has[capability]);
          const skippedFor = missing.filter((capability) => SKIPPED_WITHOUT.has(capability));
          if (skippedFor.length > 0) {
            it.skip(`${check.title} (skipped: the environment declares ${skippedFor.map((capability) => `${capability}: false`).join(' and ')})`, () => {});
          } else if (missing.length > 0) {
            it(check.title, () => {
              throw new Error(
                `This environment declares ${missing.map((capability) => `${capability}: false`).join(' and ')}, so it cannot stop this attack; see SECURITY.md.`,
              );
            });
          } else {
            it(check.title, () => check.run(kit), check.testTimeoutMs);
          }
        }
      });
    }
  });
}

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import type { CellResult, HostFunction, ReplEnvironment } from '../environment/repl-environment';
import type { EnvironmentCapabilities } from './test-environment';
import { DEFERRED_WORK_CHECKS } from './test-environment-security-deferred-work';
import { HOST_PRESSURE_CHECKS } from './test-environment-security-host-pressure';
import {
  compareHostIntrinsics,
  findNonJson,
  type HostIntrinsicsSnapshot,
  snapshotHostIntrinsics,
} from './test-environment-security-oracles';
import { REALM_CHECKS } from './test-environment-security-realm';
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
export type SecurityCapability = 'memoryLimit' | 'interruptsSynchronousCode';

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
  /**
   * The holes this check must catch, each with a pattern its failure message must match, so that it
   * is shown to fail for that breach and not for something else. The keys are the holes of core's
   * fixture sandbox (`FIXTURE_HOLES` in `test-environment-security-fixture.ts`), and `hostExposed` for
   * the sandbox that exposes the host ({@link failsWhenHostIsExposed}). Core's self-test runs the
   * check against the fixture with each hole (it must fail, with a matching message) and without
   * holes (it must pass). Every check declares at least one.
   */
  readonly catches?: Readonly<Record<string, RegExp>>;
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
  const elapsed = Math.round(performance.now() - startedAt);
  expect(elapsed, `the cell stopped after ${elapsed} ms, more than its timeout plus the grace`).toBeLessThan(
    timeoutMs + stopGraceMs,
  );
  expect(result.error?.kind, 'the cell did not end with a timeout').toBe('timeout');
}

// ---------------------------------------------------------------------------------------------
// Reaching the host through the values it passes in
// ---------------------------------------------------------------------------------------------

/**
 * In-sandbox helpers, pasted at the top of a block: `check(label, value)` follows the value to the
 * global objects it leads to, through its constructor's constructor
 * (`x.constructor.constructor('return globalThis')()`) and through the root of its prototype chain.
 * It records `label` in `foreign` when one of them is not the sandbox's own global, and in
 * `unreached` when neither route reached any global (so a probe that silently reaches nothing cannot
 * pass); `checked` counts the values followed. `realmReport()` is the JSON text of all three, for the
 * host to judge with {@link expectRealmReport}. `callersOf(fn)` walks `fn.caller` as far as the engine
 * allows.
 */
const REALM_PROBE = `
const sandboxGlobal = globalThis;
const foreign = [];
const unreached = [];
let checked = 0;
const isGlobalObject = (candidate) => candidate !== null && (typeof candidate === 'object' || typeof candidate === 'function');
const reachedGlobals = (value) => {
  const reached = [];
  try {
    const MaybeFunction = value.constructor.constructor;
    if (typeof MaybeFunction === 'function') {
      const reachedGlobal = MaybeFunction('return globalThis')();
      if (isGlobalObject(reachedGlobal)) reached.push(reachedGlobal);
    }
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
    if (typeof RootFunction === 'function') {
      const reachedGlobal = RootFunction('return globalThis')();
      if (isGlobalObject(reachedGlobal)) reached.push(reachedGlobal);
    }
  } catch (error) {}
  return reached;
};
const check = (label, value) => {
  if (value === null || value === undefined) return;
  checked++;
  const reached = reachedGlobals(value);
  if (reached.length === 0 && !unreached.includes(label)) unreached.push(label);
  for (const reachedGlobal of reached) {
    if (reachedGlobal !== sandboxGlobal && !foreign.includes(label)) foreign.push(label);
  }
};
const realmReport = () => JSON.stringify({ foreign, unreached, checked });
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

/** What {@link REALM_PROBE}'s `realmReport()` prints. */
interface RealmReport {
  readonly foreign: string[];
  readonly unreached: string[];
  readonly checked: number;
}

/**
 * Judges a line printed by `realmReport()`: no value led to another global, every value led to the
 * sandbox's own, and at least `minimumChecked` values were followed (so a probe that found nothing to
 * check fails).
 */
function expectRealmReport(line: string | undefined, minimumChecked: number, what: string): RealmReport {
  let report: RealmReport;
  try {
    report = JSON.parse(line ?? '') as RealmReport;
  } catch {
    throw new Error(`${what}: the realm probe printed no report (${JSON.stringify(line)}).`);
  }
  expect(
    report.foreign,
    `${what}: these lead to another global than the sandbox’s (a host object): ${report.foreign.join(', ')}`,
  ).toEqual([]);
  expect(
    report.unreached,
    `${what}: the realm probe reached no global from these: ${report.unreached.join(', ')}`,
  ).toEqual([]);
  expect(
    report.checked,
    `${what}: the realm probe followed fewer values than it was given`,
  ).toBeGreaterThanOrEqual(minimumChecked);
  return report;
}

const OBJECT_CONTEXT: JsonValue = { doc: 'text', list: [1, 'two'], nested: { deep: [{}] } };

const HOST_OBJECT_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'values the host passes in (context, functions, results, errors) lead only to the sandbox’s own global',
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed: /these lead to another global than the sandbox’s \(a host object\): context\b/,
      contextByReference: /these lead to another global than the sandbox’s \(a host object\): context\b/,
      hostFunctionsOfTheHost:
        /these lead to another global than the sandbox’s \(a host object\): llm_query, echo\b/,
      hostObjectsInResults:
        /these lead to another global than the sandbox’s \(a host object\): host result\b/,
    },
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
console.log(realmReport());
}`,
        );
        expect(result.error, 'the probe cell failed').toBeUndefined();
        // At least: context, 9 globals, console.log, the promise and its then, 6 parts of the result,
        // the llm_query result, the rejection and its stack, and the refused call's error.
        expectRealmReport(result.stdout.trim(), 24, `context ${JSON.stringify(context)}`);
        await expectSessionUnharmed(session, expectedContext);
      }
    },
  },
  {
    title: 'Error.prepareStackTrace and Error.captureStackTrace hand the cell only sandbox frames',
    catches: {
      hostCallSites:
        /call sites and what they return: these lead to another global than the sandbox’s .*: call site/,
    },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `{${REALM_PROBE}
const sites = [];
let hookCalls = 0;
Error.prepareStackTrace = (error, callSites) => { hookCalls++; if (Array.isArray(callSites)) sites.push(...callSites); return 'prepared'; };
// Whether this engine calls the hook at all (QuickJS does not; Deno's sandbox locks it away).
const engineCallsHook = String(new Error('control').stack) === 'prepared';
// First without an await: the frames below the cell's first step are whatever started the cell.
try { null.boom; } catch (error) { String(error.stack); }
try { JSON.parse('{'); } catch (error) { String(error.stack); }
const early = {};
if (typeof Error.captureStackTrace === 'function') { Error.captureStackTrace(early); String(early.stack); }
try { await fail('x'); } catch (error) { String(error.stack); }
try { await echo(1n); } catch (error) { String(error.stack); }
try { null.boom; } catch (error) { String(error.stack); }
const target = {};
if (typeof Error.captureStackTrace === 'function') { Error.captureStackTrace(target); String(target.stack); }
delete Error.prepareStackTrace;
for (const site of sites) {
  check('call site', site);
  for (const method of ['getThis', 'getFunction', 'getTypeName', 'getEvalOrigin', 'getFileName']) {
    try { if (typeof site[method] === 'function') check('call site ' + method + '()', site[method]()); } catch (error) {}
  }
}
console.log(realmReport());
console.log(JSON.stringify({ engineCallsHook, hookCalls, sites: sites.length }));
}`,
      );
      expect(result.error, 'the probe cell failed').toBeUndefined();
      const [realmLine, walkLine] = result.stdout.trim().split('\n');
      const walk = JSON.parse(walkLine ?? '{}') as {
        engineCallsHook: boolean;
        hookCalls: number;
        sites: number;
      };
      if (walk.engineCallsHook) {
        // The hook ran for the control and for each of the six errors after it, and each had frames.
        expect(
          walk.hookCalls,
          'the stack-trace hook ran for fewer errors than it was given',
        ).toBeGreaterThanOrEqual(7);
        expect(walk.sites, 'the stack-trace hook was handed no call sites').toBeGreaterThanOrEqual(6);
      }
      expectRealmReport(realmLine, walk.engineCallsHook ? walk.sites : 0, 'call sites and what they return');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: '`fn.caller` chains from functions the environment calls (toJSON, getters) stay inside',
    catches: {
      sloppyHostReadsErrors:
        /fn\.caller of an error getter: these lead to another global than the sandbox’s .*: caller of an error getter/,
    },
    async run(kit) {
      const session = await kit.open();
      const during = await session.run(
        `{${REALM_PROBE}
const seen = [];
const runs = { toJSON: 0, getter: 0 };
// The walker itself, on a chain it must be able to walk where the engine implements fn.caller.
function innerControl() { return callersOf(innerControl); }
function outerControl() { return innerControl(); }
const controlChain = outerControl();
let walker = 'broken';
try { walker = controlChain[0] === outerControl ? 'walks' : innerControl.caller == null ? 'no caller' : 'broken'; } catch (error) { walker = 'no caller'; }
await echo({ toJSON: function toJSONProbe() { runs.toJSON++; seen.push(...callersOf(toJSONProbe)); return 'json'; } });
const answer = {};
Object.defineProperty(answer, 'value', { enumerable: true, get: function answerProbe() { runs.getter++; seen.push(...callersOf(answerProbe)); return 42; } });
FINAL(answer);
for (const fn of seen) check('caller of toJSON or of a getter FINAL read', fn);
console.log(realmReport());
console.log(JSON.stringify({ walker, runs, callers: seen.length }));
}`,
      );
      expect(during.error, 'the probe cell failed').toBeUndefined();
      const [duringRealm, duringWalk] = during.stdout.trim().split('\n');
      const walk = JSON.parse(duringWalk ?? '{}') as { walker: string; runs: Record<string, number> };
      expect(['walks', 'no caller'], 'the fn.caller walker cannot walk a plain chain').toContain(walk.walker);
      expect(walk.runs, 'the probes were not called by the environment').toEqual({ toJSON: 1, getter: 1 });
      expectRealmReport(duringRealm, 0, 'fn.caller of a toJSON or getter the environment called');
      // Getters of a thrown error run when the environment describes it, after the cell's code.
      const thrown = await session.run(
        `${REALM_PROBE.replaceAll('const ', 'var ').replace('let checked', 'var checked')}
var reportedCallers = [];
var errorGetterRuns = 0;
var error = new Error('original');
for (const key of ['message', 'name', 'stack']) {
  Object.defineProperty(error, key, { configurable: true, get: function errorGetterProbe() { errorGetterRuns++; reportedCallers.push(...callersOf(errorGetterProbe)); return 'from a getter'; } });
}
throw error;`,
      );
      expect(thrown.error?.kind).toBe('runtime');
      const report = await session.run(
        "for (const fn of reportedCallers) check('caller of an error getter the environment called', fn);\nconsole.log(realmReport());\nconsole.log(errorGetterRuns);",
      );
      expect(report.error, 'the report cell failed').toBeUndefined();
      const [thrownRealm, getterRuns] = report.stdout.trim().split('\n');
      expect(Number(getterRuns), 'the environment read no getter of the thrown error').toBeGreaterThan(0);
      expectRealmReport(thrownRealm, 0, 'fn.caller of an error getter');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'Symbol.species hooks on host-call promises and results are handed only sandbox values',
    catches: {
      hostFunctionsOfTheHost:
        /values handed to Symbol\.species hooks: these lead to another global than the sandbox’s .*: species hook: executor/,
    },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run(
        `{${REALM_PROBE}
const handed = [];
const hooks = { promiseSpecies: 0, arraySpecies: 0 };
class SpeciesPromise extends Promise {
  constructor(executor) {
    hooks.promiseSpecies++;
    super((resolve, reject) => { handed.push(['resolve function', resolve], ['reject function', reject]); return executor(resolve, reject); });
    handed.push(['executor', executor]);
  }
}
const pending = echo('species');
Object.defineProperty(pending, 'constructor', { value: { [Symbol.species]: SpeciesPromise } });
await pending.then((value) => { handed.push(['fulfilled value', value]); return value; });
const reply = await echo('species');
Object.defineProperty(reply.nested.list, 'constructor', {
  value: { [Symbol.species]: function Species(length) { hooks.arraySpecies++; handed.push(['array species this', this]); return new Array(length); } },
});
handed.push(['mapped array', reply.nested.list.map((item) => item)]);
for (const [label, value] of handed) check('species hook: ' + label, value);
console.log(realmReport());
console.log(JSON.stringify(hooks));
}`,
      );
      expect(result.error, 'the probe cell failed').toBeUndefined();
      const [realmLine, hooksLine] = result.stdout.trim().split('\n');
      // `then` and the `await` of its SpeciesPromise each build one, the array's `map` one more.
      expect(JSON.parse(hooksLine ?? '{}'), 'the species hooks did not all run').toEqual({
        promiseSpecies: 2,
        arraySpecies: 1,
      });
      // Nine values: two (resolve, reject, executor), the value, the array species' `this`, the mapped array.
      expectRealmReport(realmLine, 9, 'values handed to Symbol.species hooks');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'host functions receive plain JSON only, whatever the cell passes (proxies, getters, toJSON, …)',
    catches: {
      argumentsInSandboxRealm: /received something other than plain host JSON: expected 'value/,
    },
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
        expect(
          findNonJson(args),
          `echo(${JSON.stringify(args[0])}) received something other than plain host JSON`,
        ).toBeUndefined();
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
    catches: {
      hostExposed: /what code made from strings reached: .*(ANOTHER GLOBAL|with process)/,
    },
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
      const reachedElsewhere = result.stdout
        .trim()
        .split('\n')
        .filter((line) => !line.endsWith(': this sandbox'));
      expect(reachedElsewhere, `what code made from strings reached: ${reachedElsewhere.join('; ')}`).toEqual(
        [],
      );
      expect(result.stdout, 'what code made from strings reached').toBe(
        `${labels.map((label) => `${label}: this sandbox`).join('\n')}\n`,
      );
      await expectSessionUnharmed(session, 'object undefined');
    },
  },
  {
    title: 'import() loads nothing: no built-in module, file, URL, data: URL or package',
    failsWhenHostIsExposed: true,
    catches: { hostExposed: /what import\(\) loaded: expected 'loaded / },
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
      expect(result.stdout, 'what import() loaded').toBe(
        `${specifiers.map(() => 'refused').join(' ')} undefined undefined\n`,
      );
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

/**
 * A cell that was running when its session was disposed, or that was started after: it must end with
 * an `aborted` error, or reject with an error that says the session was disposed — not with whatever
 * broke inside the environment (a `TypeError` from a freed sandbox says nothing and may hide worse).
 */
async function expectEndedByDispose(running: Promise<CellResult>, what: string): Promise<void> {
  const outcome = await running.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('result' in outcome) {
    expect(
      outcome.result.error?.kind,
      `${what} resolved instead of rejecting, so it must end with an \`aborted\` error`,
    ).toBe('aborted');
    return;
  }
  const message =
    outcome.error instanceof Error
      ? `${outcome.error.name}: ${outcome.error.message}`
      : String(outcome.error);
  expect(message, `${what} rejected with an error that does not say the session was disposed`).toMatch(
    /dispos/i,
  );
}

const OUTLIVING_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'timers set by a cell never fire after it ended: no host call, no output, no state change',
    failsWhenHostIsExposed: true,
    catches: { hostExposed: /timers ran after the cell ended/ },
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
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from timers after the cell ended',
      ).toEqual([]);
      const after = await session.run(
        "const first = globalThis.lateRuns || 0;\nawait echo('between');\nconsole.log(first, globalThis.lateRuns || 0);",
      );
      expect(after.error).toBeUndefined();
      expect(after.stdout, 'timers ran after the cell ended (runs before, during the next cell)').toBe(
        '0 0\n',
      );
      await sleep(100);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from callbacks after the cell ended',
      ).toEqual([]);
      await expectSessionUnharmed(session);
    },
  },
  {
    title:
      'callbacks chained on host calls a cell did not await never run in a later cell, nor get the late result',
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed:
        /callbacks printed into the cell|a later cell saw the callbacks run|host calls from callbacks after the cell ended/,
    },
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
      expect(first.stdout, 'callbacks printed into the cell').toBe('');
      await sleep(300);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from callbacks after the cell ended',
      ).toEqual([]);
      const second = await session.run(
        "const before = globalThis.lateRuns;\nawait echo('between');\nawait null;\nconsole.log(before === globalThis.lateRuns, typeof lateValue === 'string' && lateValue.startsWith('answer:'));",
      );
      expect(second.error).toBeUndefined();
      expect(second.stdout, 'a later cell saw the callbacks run, or the late result').toBe('true false\n');
      await sleep(100);
      expect(
        callsStartingWith(session, 'echo', 'late'),
        'host calls from callbacks after the cell ended',
      ).toEqual([]);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'an endless loop of host calls a cell left running stops when the cell ends, and at dispose',
    catches: {
      hostFunctionsOfTheHost: /host calls after the cell ended/,
      disposeBreaksCells: /rejected with an error that does not say the session was disposed/,
    },
    async run(kit) {
      const session = await kit.open({ latencyMs: 20 });
      const started = await session.run(
        "(async () => { for (;;) { await llm_query('loop'); console.log('tick'); } })();\n'started'",
      );
      expect(started.error).toBeUndefined();
      const countAfterCell = callsStartingWith(session, 'llm_query', 'loop').length;
      await sleep(300);
      expect(callsStartingWith(session, 'llm_query', 'loop'), 'host calls after the cell ended').toHaveLength(
        countAfterCell,
      );
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
      await expectEndedByDispose(running, 'the cell running when its session was disposed');
      const countAtDispose = callsStartingWith(other, 'llm_query', 'loop').length;
      await sleep(300);
      expect(
        callsStartingWith(other, 'llm_query', 'loop'),
        'host calls after the session was disposed',
      ).toHaveLength(countAtDispose);
      await expectEndedByDispose(other.session.runCell('1'), 'a cell run after dispose');
    },
  },
  {
    title: 'an endless microtask loop ends at the timeout and does not run on afterwards',
    catches: { lateStop: /more than its timeout plus the grace/ },
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
    catches: { restartOnTimeout: /a cell that only waited was restarted/ },
    async run(kit) {
      const session = await kit.open();
      await session.ok("const kept = 'kept';");
      const startedAt = performance.now();
      const result = await session.run('await new Promise(() => {});', { timeoutMs: 300 });
      expectStoppedInTime(result, 300, startedAt, kit.stopGraceMs);
      expect(result.stateLost, 'a cell that only waited was restarted').toBeUndefined();
      expect((await session.ok('kept')).value).toBe('"kept"');
      await expectSessionUnharmed(session);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Exhausting resources
// ---------------------------------------------------------------------------------------------

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

const RESOURCE_CHECKS: readonly SecurityCheck[] = [
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
    catches: { textsThroughUtf8: /odd text changed on the way/ },
    async run(kit) {
      const session = await kit.open();
      const printed = await session.run(
        `const odd = ${ODD_TEXT_SOURCE};\nconsole.log(odd);\nconsole.error(odd);\nFINAL(odd);\nodd`,
      );
      expect(printed.error).toBeUndefined();
      expect(printed.stdout, 'odd text changed on the way through stdout').toBe(`${ODD_TEXT}\n`);
      expect(printed.stderr, 'odd text changed on the way through stderr').toBe(`${ODD_TEXT}\n`);
      expect(printed.final?.value, 'odd text changed on the way through FINAL').toBe(ODD_TEXT);
      expect(printed.value, 'odd text changed on the way through the value').toBe(JSON.stringify(ODD_TEXT));
      const thrown = await session.run('throw new Error(odd);');
      expect(thrown.error?.message, 'odd text changed on the way through an error').toBe(ODD_TEXT);
      const thrownText = await session.run('throw odd;');
      expect(thrownText.error?.message).toContain('nul');
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'the cap cuts between the halves of a surrogate pair without breaking the transfer',
    catches: {
      textsThroughUtf8: /the output cut inside a surrogate pair/,
      uncappedOutput: /the output cut inside a surrogate pair/,
    },
    async run(kit) {
      const session = await kit.open();
      const result = await session.run("console.log('🚀'.repeat(10));", { maxOutputChars: 5 });
      expect(result.error).toBeUndefined();
      expect(result.stdout, 'the output cut inside a surrogate pair').toBe('🚀🚀\ud83d');
      expect(result.droppedOutputChars).toBe(21 - 5);
      await expectSessionUnharmed(session);
    },
  },
  {
    title: 'strings whose JSON is far longer than the cap come through whole when they fit it',
    catches: { capCountsJson: /output that fits the cap was cut/ },
    async run(kit) {
      const session = await kit.open();
      // Three characters that JSON writes as ten: \" \\ \u0000.
      const result = await session.run(
        "const heavy = '\"\\\\\\u0000'.repeat(200_000);\nconsole.log(heavy);\nFINAL(heavy);",
        { maxOutputChars: 1_000_000 },
      );
      const heavy = '"\\\u0000'.repeat(200_000);
      expect(result.error).toBeUndefined();
      expect(result.stdout.length, 'output that fits the cap was cut').toBe(heavy.length + 1);
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

/**
 * A host-function wrapper that judges the arguments exactly as the host function receives them
 * (before anything copies them): it pushes `'plain'`, or `<name>: <why not plain JSON>`.
 */
function recordArguments(received: string[]): (name: string, hostFunction: HostFunction) => HostFunction {
  return (name, hostFunction) => (args, options) => {
    const problem = Array.isArray(args) ? findNonJson(args) : 'the arguments are not a list';
    received.push(problem === undefined ? 'plain' : `${name}: ${problem}`);
    return hostFunction(args, options);
  };
}

const POLLUTION_CHECKS: readonly SecurityCheck[] = [
  {
    title:
      'polluting the sandbox’s intrinsics, the context’s and host results’ prototypes leaves the host’s untouched',
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed: /host intrinsics changed: (added|changed|removed) /,
      contextByReference: /host intrinsics changed: (added|changed|removed) /,
      hostObjectsInResults: /host intrinsics changed: added Object\.prototype\.viaResult/,
    },
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
        const changes = compareHostIntrinsics(before, snapshotHostIntrinsics());
        expect(changes, `host intrinsics changed: ${changes.join(', ')}`).toEqual([]);
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
    catches: { liveSandboxJson: /what a later cell printed/ },
    async run(kit) {
      const session = await kit.open();
      await session.run(POLLUTION);
      const before = session.host.calls.echo?.length ?? 0;
      const result = await session.run(
        "console.log('printed', [1, 2], { a: 'b' });\nconsole.error('warned');\nFINAL(await echo('x', [1, 2], { k: 'v' }));",
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout, 'what a later cell printed').toBe('printed [ 1, 2 ] { a: "b" }\n');
      expect(result.stderr, 'what a later cell printed on stderr').toBe('warned\n');
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
    catches: {
      argumentsInSandboxRealm:
        /echo received something other than plain host JSON: echo: value: its prototype is not the host's Array\.prototype/,
    },
    async run(kit) {
      const received: string[] = [];
      const session = await kit.open({ wrapHostFunction: recordArguments(received) });
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
      expect(received.length, 'echo was called fewer times than the cell reached it').toBeGreaterThan(0);
      const problems = received.filter((problem) => problem !== 'plain');
      expect(problems, `echo received something other than plain host JSON: ${problems.join('; ')}`).toEqual(
        [],
      );
      await expectSessionUnharmed(session);
    },
  },
];

/** A check per attack surface: every route of it refused, as the host sees it. */
function surfaceCheck(surface: AttackSurface): SecurityCheck {
  return {
    title: `cannot ${surface.name}, by any route (${surface.routes.map((route) => route.name).join(', ')})`,
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed: new RegExp(`cannot ${surface.name}: these attempts got through: \\S`),
    },
    testTimeoutMs: 60_000,
    async run(kit) {
      const session = await kit.open();
      const evidence = await surface.probe(session, kit.traps);
      expect(evidence.result.error, 'the probe cell itself failed').toBeUndefined();
      expect(evidence.outcomes, 'every attempt reports an outcome').toHaveLength(evidence.attempts);
      expect(
        evidence.breaches,
        `cannot ${surface.name}: these attempts got through: ${evidence.breaches.join('; ').slice(0, 2_000)}`,
      ).toEqual([]);
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
  { name: 'the realm behind the sandbox, and what sessions share', checks: REALM_CHECKS },
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
          if (missing.length > 0) {
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

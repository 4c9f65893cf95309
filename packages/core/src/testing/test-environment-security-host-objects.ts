import { expect } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import { expectSessionUnharmed, OBJECT_CONTEXT, type SecurityCheck } from './test-environment-security-kit';
import { findNonJson } from './test-environment-security-oracles';
import { DEFAULT_CONFORMANCE_CONTEXT } from './test-environment-session';

// Reaching the host through the values it passes in.

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

export const HOST_OBJECT_CHECKS: readonly SecurityCheck[] = [
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

import { expect } from 'vitest';
import type { HostFunction } from '../environment/repl-environment';
import {
  echoReply,
  expectSessionUnharmed,
  OBJECT_CONTEXT,
  type SecurityCheck,
} from './test-environment-security-kit';
import {
  compareHostIntrinsics,
  findNonJson,
  snapshotHostIntrinsics,
} from './test-environment-security-oracles';

// Prototype pollution.

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

export const POLLUTION_CHECKS: readonly SecurityCheck[] = [
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

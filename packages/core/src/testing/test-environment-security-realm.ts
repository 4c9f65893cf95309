import { expect } from 'vitest';
import type { SecurityCheck } from './test-environment-security-kit';

/**
 * The realm boundary under replaced intrinsics, and what sessions share. A sandbox built as a context
 * inside a larger program (Deno's `node:vm` child, for one) has a program realm behind it: model code
 * must not reach it however it rewires the sandbox's own intrinsics, and two sessions must share no
 * storage.
 */

/**
 * Pasted into a cell: `inspect(label, value)` follows a value to the global objects it leads to and
 * records `label` in `foreign` when one is not the sandbox's own; `hook(error, sites)` is a
 * stack-trace hook that inspects every call site and every value a call site hands out, counting them.
 */
const SITE_PROBE = `
const sandboxGlobal = globalThis;
const SandboxFunction = Function;
const foreign = [];
let sitesSeen = 0;
let hookCalls = 0;
const inspect = (label, value) => {
  if (value === null || value === undefined) return;
  const reached = [];
  try { const F = value.constructor.constructor; if (typeof F === 'function') reached.push(F('return globalThis')()); } catch (error) {}
  try {
    let root = value;
    for (let depth = 0; depth < 100; depth++) { const next = Object.getPrototypeOf(root); if (next === null) break; root = next; }
    const descriptor = Object.getOwnPropertyDescriptor(root, 'constructor');
    if (descriptor && typeof descriptor.value === 'function') reached.push(descriptor.value.constructor('return globalThis')());
  } catch (error) {}
  for (const global of reached) if (global !== sandboxGlobal && !foreign.includes(label)) foreign.push(label);
};
// The probe itself works: a plain object leads to the sandbox's own global.
const probeWorks = (() => { try { return ({}).constructor.constructor('return globalThis')() === sandboxGlobal; } catch (error) { return false; } })();
const hook = function (error, sites) {
  hookCalls++;
  inspect('the error handed to the hook', error);
  inspect('the call-site list', sites);
  if (sites && typeof sites.length === 'number') {
    for (let i = 0; i < sites.length && i < 50; i++) {
      const site = sites[i];
      sitesSeen++;
      inspect('a call site', site);
      for (const method of ['getThis', 'getFunction', 'getTypeName', 'getFileName', 'getEvalOrigin', 'getScriptNameOrSourceURL']) {
        try { if (typeof site[method] === 'function') inspect('callSite.' + method + '()', site[method]()); } catch (error) {}
      }
    }
  }
  return 'hooked';
};
const provoke = async () => {
  try { null.boom; } catch (error) { String(error.stack); }
  try { await fail('x'); } catch (error) { String(error.stack); }
  try { JSON.parse('{'); } catch (error) { String(error.stack); }
  try { await echo(1n); } catch (error) { String(error.stack); }
  try { new Array(-1); } catch (error) { String(error.stack); }
  try { undefinedName; } catch (error) { String(error.stack); }
  try { const made = new SandboxFunction('return new Error("made")')(); String(made.stack); } catch (error) { String(error.stack); }
  try { await Promise.reject(new TypeError('async')); } catch (error) { String(error.stack); }
};
`;

/** Ways to put a stack-trace hook where an engine or a program realm might look for one. */
const HOOK_INSTALLS: readonly { readonly name: string; readonly code: string }[] = [
  { name: 'Error.prepareStackTrace assigned', code: 'Error.prepareStackTrace = hook;' },
  {
    name: 'Error.prepareStackTrace defined as an accessor',
    code: "try { Object.defineProperty(Error, 'prepareStackTrace', { get: () => hook, configurable: true }); } catch (error) {}",
  },
  {
    name: 'the global Error replaced by an object with prepareStackTrace',
    code: 'try { globalThis.Error = { prepareStackTrace: hook }; } catch (error) {}',
  },
  {
    name: 'the global Error replaced by a function with prepareStackTrace',
    code: 'try { const Fake = function Error() {}; Fake.prepareStackTrace = hook; globalThis.Error = Fake; } catch (error) {}',
  },
  {
    name: 'the global Error replaced by a Proxy that answers prepareStackTrace',
    code: "try { const Real = Error; globalThis.Error = new Proxy(Real, { get: (target, key) => key === 'prepareStackTrace' ? hook : Reflect.get(target, key) }); } catch (error) {}",
  },
  {
    name: 'Error deleted from the global and put on its prototype chain',
    code: 'try { const Fake = { prepareStackTrace: hook }; delete globalThis.Error; Object.setPrototypeOf(globalThis, Object.create(Object.getPrototypeOf(globalThis), { Error: { value: Fake, writable: true, configurable: true } })); } catch (error) {}',
  },
  {
    name: 'the global object redefined with a getter for Error',
    code: "try { Object.defineProperty(globalThis, 'Error', { get: () => ({ prepareStackTrace: hook }), configurable: true }); } catch (error) {}",
  },
  {
    name: 'prepareStackTrace on every error class and Error.stackTraceLimit raised',
    code: 'for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) { try { E.prepareStackTrace = hook; } catch (error) {} }\ntry { Error.stackTraceLimit = 1000; } catch (error) {}',
  },
];

/** Storage a runtime may offer, each tried with a secret in one session and read in another. */
const STORAGE_WRITE = `
const secret = 'rlm-shared-secret-' + SECRET;
const stored = [];
const tryStore = async (name, store) => { try { await store(); stored.push(name); } catch (error) {} };
await tryStore('localStorage', () => { localStorage.setItem('rlm-secret', secret); });
await tryStore('sessionStorage', () => { sessionStorage.setItem('rlm-secret', secret); });
await tryStore('caches', async () => { const cache = await caches.open('rlm'); await cache.put('https://rlm.invalid/secret', new Response(secret)); });
await tryStore('indexedDB', () => new Promise((resolve, reject) => { const request = indexedDB.open('rlm'); request.onupgradeneeded = () => request.result.createObjectStore('s'); request.onsuccess = () => { const tx = request.result.transaction('s', 'readwrite'); tx.objectStore('s').put(secret, 'k'); tx.oncomplete = resolve; }; request.onerror = reject; }));
await tryStore('BroadcastChannel', () => { globalThis.channel = new BroadcastChannel('rlm'); channel.postMessage(secret); });
await tryStore('an intrinsic prototype', () => { Object.prototype.rlmSharedSecret = secret; Array.prototype.rlmSharedSecret = secret; });
await tryStore('the global object', () => { globalThis.rlmSharedSecret = secret; });
JSON.stringify(stored)`;

const STORAGE_READ = `
const found = [];
const tryRead = async (name, read) => { try { const value = await read(); if (typeof value === 'string' && value.includes('rlm-shared-secret-')) found.push(name); } catch (error) {} };
globalThis.heard = [];
try { globalThis.listener = new BroadcastChannel('rlm'); listener.onmessage = (event) => heard.push(String(event.data)); } catch (error) {}
await tryRead('localStorage', () => localStorage.getItem('rlm-secret'));
await tryRead('sessionStorage', () => sessionStorage.getItem('rlm-secret'));
await tryRead('caches', async () => { const cache = await caches.open('rlm'); const response = await cache.match('https://rlm.invalid/secret'); return response ? response.text() : null; });
await tryRead('indexedDB', () => new Promise((resolve) => { const request = indexedDB.open('rlm'); request.onsuccess = () => { try { const get = request.result.transaction('s').objectStore('s').get('k'); get.onsuccess = () => resolve(get.result); } catch (error) { resolve(null); } }; request.onerror = () => resolve(null); }));
await tryRead('an intrinsic prototype', () => ({}).rlmSharedSecret ?? [].rlmSharedSecret);
await tryRead('the global object', () => globalThis.rlmSharedSecret);
await tryRead('context', () => typeof context === 'string' ? context : JSON.stringify(context));
JSON.stringify(found)`;

export const REALM_CHECKS: readonly SecurityCheck[] = [
  {
    title: `a stack-trace hook installed by rewiring the sandbox’s intrinsics (${HOOK_INSTALLS.map((install) => install.name).join('; ')}) is handed only sandbox values`,
    testTimeoutMs: 60_000,
    catches: { hostCallSites: /the hook reached a realm outside the sandbox/ },
    async run(kit) {
      for (const install of HOOK_INSTALLS) {
        const session = await kit.open();
        const result = await session.run(
          `{${SITE_PROBE}
${install.code}
await provoke();
console.log(JSON.stringify({ foreign, sitesSeen, hookCalls, probeWorks }));
}`,
          { timeoutMs: 10_000 },
        );
        expect(result.error, `${install.name}: the probe failed`).toBeUndefined();
        const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
          foreign: string[];
          sitesSeen: number;
          hookCalls: number;
          probeWorks: boolean;
        };
        expect(report.probeWorks, `${install.name}: the probe cannot follow a value to its global`).toBe(
          true,
        );
        expect(
          report.foreign,
          `${install.name}: the hook reached a realm outside the sandbox through`,
        ).toEqual([]);
        const after = await session.run('await echo("unharmed");\ntypeof context', { timeoutMs: 10_000 });
        expect(after.error, `${install.name}: the session is unusable afterwards`).toBeUndefined();
      }
      // Engines differ in whether any hook runs at all (QuickJS has none; V8 calls one on the real
      // Error unless the environment locked it): what matters is that none hands out another realm.
    },
  },
  {
    title:
      'two sessions share no storage: localStorage, sessionStorage, caches, indexedDB, BroadcastChannel, intrinsics, the global object, context',
    catches: { sharedStorage: /another session’s secret was read through/ },
    async run(kit) {
      const secret = Math.random().toString(36).slice(2);
      const writer = await kit.open({ context: `the writer's context rlm-shared-secret-${secret}` });
      const stored = await writer.run(STORAGE_WRITE.replace('SECRET', JSON.stringify(secret)), {
        timeoutMs: 10_000,
      });
      expect(stored.error, 'the writing cell failed').toBeUndefined();
      // The global object and an intrinsic prototype can always be written: the check walks something.
      expect(JSON.parse(JSON.parse(stored.value ?? '"[]"') as string)).toEqual(
        expect.arrayContaining(['an intrinsic prototype', 'the global object']),
      );
      const reader = await kit.open({ context: 'the reader’s context' });
      const found = await reader.run(STORAGE_READ, { timeoutMs: 10_000 });
      expect(found.error, 'the reading cell failed').toBeUndefined();
      expect(
        JSON.parse(JSON.parse(found.value ?? '"[]"') as string),
        'another session’s secret was read through',
      ).toEqual([]);
      await writer.run('try { channel.postMessage("rlm-shared-secret-again"); } catch (error) {}');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const heard = await reader.run('JSON.stringify(globalThis.heard)');
      expect(heard.value ?? '', 'a BroadcastChannel message crossed sessions').not.toMatch(
        /rlm-shared-secret/,
      );
    },
  },
];

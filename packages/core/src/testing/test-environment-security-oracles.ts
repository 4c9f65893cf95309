import { types } from 'node:util';
import type { CellResult } from '../environment/repl-environment';

/** Every piece of text a cell result carries, as the host received it. */
export function textsOfResult(result: CellResult): string[] {
  const texts = [result.stdout, result.stderr];
  if (result.value !== undefined) texts.push(result.value);
  if (result.error) texts.push(result.error.name, result.error.message, result.error.stack ?? '');
  if (result.final) texts.push(result.final.value, result.final.variableName ?? '');
  if (result.stateLost) texts.push(result.stateLost);
  return texts;
}

/** The lines of a result's texts that contain `needle`, shortened, to say where a secret showed up. */
export function linesContaining(result: CellResult, needle: string): string[] {
  return textsOfResult(result)
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes(needle))
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
}

/**
 * Why `value` is not plain JSON as the host's own `JSON.parse` would make it, or `undefined` when it
 * is: only strings, finite numbers, booleans, null, dense arrays and objects whose prototype is the
 * host's `Array.prototype` / `Object.prototype`, with enumerable data properties only, no symbols and
 * no proxies. Walks iteratively, so a deeply nested value cannot overflow the host's stack here.
 */
export function findNonJson(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: 'value' }];
  let visited = 0;
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    // Far beyond anything a test sends; stops a cycle (which JSON cannot have) from looping.
    if (++visited > 1_000_000) return `${path}: more than a million nodes (a cycle?)`;
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return `${path}: ${current} is not a JSON number`;
      continue;
    }
    if (typeof current !== 'object') return `${path}: a ${typeof current}`;
    if (types.isProxy(current)) return `${path}: a Proxy`;
    const isArray = Array.isArray(current);
    const prototype = Object.getPrototypeOf(current);
    if (prototype !== (isArray ? Array.prototype : Object.prototype)) {
      return `${path}: its prototype is not the host's ${isArray ? 'Array' : 'Object'}.prototype`;
    }
    if (Object.getOwnPropertySymbols(current).length > 0) return `${path}: has symbol keys`;
    for (const key of Reflect.ownKeys(current) as string[]) {
      if (isArray && key === 'length') continue;
      const descriptor = Object.getOwnPropertyDescriptor(current, key)!;
      if (!('value' in descriptor)) return `${path}.${key}: an accessor`;
      if (!descriptor.enumerable) return `${path}.${key}: not enumerable`;
      stack.push({ value: descriptor.value, path: `${path}.${key}` });
    }
    if (isArray) {
      const array = current as unknown[];
      for (let index = 0; index < array.length; index++) {
        if (!Object.hasOwn(array, index)) return `${path}[${index}]: a hole`;
      }
    }
  }
  return undefined;
}

/** The host objects whose properties sandboxed code must never change. */
const GUARDED_INTRINSICS: ReadonlyArray<readonly [string, object]> = [
  ['globalThis', globalThis],
  ['Object', Object],
  ['Object.prototype', Object.prototype],
  ['Array', Array],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Symbol.prototype', Symbol.prototype],
  ['Function', Function],
  ['Function.prototype', Function.prototype],
  ['Promise', Promise],
  ['Promise.prototype', Promise.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Error', Error],
  ['Error.prototype', Error.prototype],
  ['TypeError.prototype', TypeError.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['JSON', JSON],
  ['Math', Math],
  ['Reflect', Reflect],
];

/** The own properties of the guarded host intrinsics at one moment. */
export type HostIntrinsicsSnapshot = ReadonlyMap<string, ReadonlyMap<PropertyKey, PropertyDescriptor>>;

/** Records every own property (with its value or accessors) of the guarded host intrinsics. */
export function snapshotHostIntrinsics(): HostIntrinsicsSnapshot {
  const snapshot = new Map<string, Map<PropertyKey, PropertyDescriptor>>();
  for (const [name, object] of GUARDED_INTRINSICS) {
    const properties = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(object)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
      if (descriptor) properties.set(key, descriptor);
    }
    snapshot.set(name, properties);
  }
  return snapshot;
}

/**
 * What differs between two snapshots, e.g. `added Object.prototype.polluted` or `changed JSON.parse`.
 * `ignore` lists host globals that may come and go for reasons of their own (a test runner's).
 */
export function compareHostIntrinsics(
  before: HostIntrinsicsSnapshot,
  after: HostIntrinsicsSnapshot,
  ignore: ReadonlySet<PropertyKey> = new Set(),
): string[] {
  const changes: string[] = [];
  for (const [name, properties] of before) {
    const now = after.get(name) ?? new Map<PropertyKey, PropertyDescriptor>();
    const keyName = (key: PropertyKey) => `${name}.${String(key)}`;
    for (const [key, descriptor] of properties) {
      if (name === 'globalThis' && ignore.has(key)) continue;
      const current = now.get(key);
      if (!current) changes.push(`removed ${keyName(key)}`);
      // Node defines some globals lazily: a getter that replaces itself on first use. So the global
      // object is compared by its names only; a sandbox that reaches it shows up by adding one.
      else if (name !== 'globalThis' && !sameDescriptor(descriptor, current))
        changes.push(`changed ${keyName(key)}`);
    }
    for (const key of now.keys()) {
      if (name === 'globalThis' && ignore.has(key)) continue;
      if (!properties.has(key)) changes.push(`added ${keyName(key)}`);
    }
  }
  return changes;
}

/**
 * Puts the guarded host intrinsics (all but the global object) back as `snapshot` recorded them:
 * for tests that run a deliberately leaky sandbox, so its pollution does not outlive them.
 */
export function restoreHostIntrinsics(snapshot: HostIntrinsicsSnapshot): void {
  for (const [name, object] of GUARDED_INTRINSICS) {
    const properties = snapshot.get(name);
    if (name === 'globalThis' || !properties) continue;
    for (const key of Reflect.ownKeys(object)) {
      if (!properties.has(key)) Reflect.deleteProperty(object, key);
    }
    for (const [key, descriptor] of properties) {
      const current = Reflect.getOwnPropertyDescriptor(object, key);
      if (!current || !sameDescriptor(descriptor, current)) Reflect.defineProperty(object, key, descriptor);
    }
  }
}

function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return (
    Object.is(a.value, b.value) &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable
  );
}

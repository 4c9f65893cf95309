import type { JsonSchema } from '../tool/tool';

/** One way a value fails a schema: what is wrong, and where (`[]` is the value itself). */
export interface SchemaIssue {
  readonly message: string;
  readonly path: readonly (string | number)[];
}

/**
 * Checks `value` against a JSON Schema and returns every issue found (none: valid). A small
 * validator for the keywords that describe data, which is what an answer schema uses: `type`,
 * `properties`, `required`, `additionalProperties`, `items`, `prefixItems`, `minItems`/`maxItems`,
 * `enum`, `const`, `minimum`/`maximum` (and the exclusive forms), `multipleOf`,
 * `minLength`/`maxLength`, `pattern`, `anyOf`, `oneOf`, `allOf`, `not`, and local `$ref`s
 * (`#/$defs/…`, `#/definitions/…`). Other keywords (`format`, `description`, …) are not checked.
 */
export function validateJsonSchema(schema: JsonSchema | boolean, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(schema, value, [], { root: schema, issues });
  return issues;
}

interface Walk {
  readonly root: JsonSchema | boolean;
  readonly issues: SchemaIssue[];
}

type Path = readonly (string | number)[];

function check(schema: unknown, value: unknown, path: Path, walk: Walk): void {
  if (schema === true || schema === undefined) return;
  if (schema === false) {
    walk.issues.push({ path, message: 'no value is allowed here' });
    return;
  }
  if (!isObject(schema)) return;
  const issue = (message: string) => walk.issues.push({ path, message });

  if (typeof schema.$ref === 'string') check(resolveRef(walk.root, schema.$ref), value, path, walk);

  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(
      (type): type is string => typeof type === 'string',
    );
    if (types.length > 0 && !types.some((type) => hasType(value, type))) {
      issue(`expected ${types.join(' or ')}, got ${describeType(value)}`);
      return;
    }
  }
  if (schema.const !== undefined && !deepEqual(value, schema.const)) {
    issue(`expected ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => deepEqual(value, option))) {
    issue(`expected one of ${schema.enum.map((option) => JSON.stringify(option)).join(', ')}`);
  }

  if (typeof value === 'number') checkNumber(schema, value, issue);
  if (typeof value === 'string') checkString(schema, value, issue);
  if (Array.isArray(value)) checkArray(schema, value, path, walk);
  else if (isObject(value)) checkObject(schema, value, path, walk);

  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) check(part, value, path, walk);
  if (Array.isArray(schema.anyOf)) {
    const failures = schema.anyOf.map((part) => validateJsonSchemaAt(walk.root, part, value));
    if (!failures.some((found) => found.length === 0)) {
      issue(`matches none of the allowed shapes (anyOf): ${closest(failures)}`);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const failures = schema.oneOf.map((part) => validateJsonSchemaAt(walk.root, part, value));
    const matches = failures.filter((found) => found.length === 0).length;
    if (matches === 0) issue(`matches none of the allowed shapes (oneOf): ${closest(failures)}`);
    else if (matches > 1) issue(`matches ${matches} of the shapes of oneOf; exactly one must match`);
  }
  if (schema.not !== undefined && validateJsonSchemaAt(walk.root, schema.not, value).length === 0) {
    issue('matches a shape that is not allowed (not)');
  }
}

function checkNumber(schema: JsonSchema, value: number, issue: (message: string) => void): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  if (typeof minimum === 'number' && value < minimum) issue(`must be at least ${minimum}, got ${value}`);
  if (typeof maximum === 'number' && value > maximum) issue(`must be at most ${maximum}, got ${value}`);
  if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) {
    issue(`must be greater than ${exclusiveMinimum}, got ${value}`);
  }
  if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum) {
    issue(`must be less than ${exclusiveMaximum}, got ${value}`);
  }
  if (typeof multipleOf === 'number' && multipleOf > 0 && !Number.isInteger(value / multipleOf)) {
    issue(`must be a multiple of ${multipleOf}, got ${value}`);
  }
}

function checkString(schema: JsonSchema, value: string, issue: (message: string) => void): void {
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) {
    issue(`must have at least ${schema.minLength} characters, got ${length}`);
  }
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
    issue(`must have at most ${schema.maxLength} characters, got ${length}`);
  }
  if (typeof schema.pattern === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, 'u');
    } catch {
      pattern = undefined;
    }
    if (pattern && !pattern.test(value)) issue(`must match the pattern ${schema.pattern}`);
  }
}

function checkArray(schema: JsonSchema, value: readonly unknown[], path: Path, walk: Walk): void {
  const { minItems, maxItems } = schema;
  if (typeof minItems === 'number' && value.length < minItems) {
    walk.issues.push({ path, message: `must have at least ${minItems} items, got ${value.length}` });
  }
  if (typeof maxItems === 'number' && value.length > maxItems) {
    walk.issues.push({ path, message: `must have at most ${maxItems} items, got ${value.length}` });
  }
  // `items` as an array is the draft-07 tuple form; draft 2020-12 spells it `prefixItems`.
  const prefix = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : [];
  const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  value.forEach((item, index) => {
    const itemSchema = index < prefix.length ? prefix[index] : rest;
    check(itemSchema, item, [...path, index], walk);
  });
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: Path, walk: Walk): void {
  const properties = isObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (typeof name === 'string' && !Object.hasOwn(value, name)) {
        walk.issues.push({ path: [...path, name], message: 'is required but missing' });
      }
    }
  }
  for (const [name, item] of Object.entries(value)) {
    if (Object.hasOwn(properties, name)) check(properties[name], item, [...path, name], walk);
    else if (schema.additionalProperties === false) {
      walk.issues.push({ path: [...path, name], message: 'is not an allowed property' });
    } else if (isObject(schema.additionalProperties)) {
      check(schema.additionalProperties, item, [...path, name], walk);
    }
  }
}

/** The issues of `value` against a part of `root` (for anyOf, oneOf, not). */
function validateJsonSchemaAt(root: JsonSchema | boolean, schema: unknown, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(schema, value, [], { root, issues });
  return issues;
}

/**
 * The issues of the alternative that came closest, as one phrase: one whose issues are all inside
 * the value (its type matched) before one that refused the value itself, then the fewest issues.
 */
function closest(failures: readonly SchemaIssue[][]): string {
  const distance = (issues: readonly SchemaIssue[]) =>
    (issues.some((found) => found.path.length === 0) ? 1_000_000 : 0) + issues.length;
  const best = [...failures].sort((a, b) => distance(a) - distance(b))[0] ?? [];
  return best.map((found) => `${formatPath(found.path)}${found.message}`).join('; ');
}

function resolveRef(root: JsonSchema | boolean, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return true;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) ? node[key] : undefined;
  }
  return node ?? true;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true;
  }
}

/** A value's JSON type in words, for messages: `a string ("Paris")`, `an array`, `null`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const preview = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `a string (${JSON.stringify(preview)})`;
  }
  if (typeof value === 'number')
    return Number.isInteger(value) ? `an integer (${value})` : `a number (${value})`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${String(value)})`;
}

/** `answer.items[2].name: ` — where an issue is, as a prefix of its message (empty at the root). */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  let text = 'answer';
  for (const key of path) {
    text +=
      typeof key === 'number'
        ? `[${key}]`
        : typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)
          ? `.${key}`
          : `[${JSON.stringify(String(key))}]`;
  }
  return `${text}: `;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> & JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

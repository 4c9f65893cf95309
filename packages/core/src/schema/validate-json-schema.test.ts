import { describe, expect, it } from 'vitest';
import { formatSchemaIssues } from '../prompts/answer-schema-messages';
import type { JsonSchema } from '../tool/tool';
import { validateJsonSchema } from './validate-json-schema';

const person = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 20 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    role: { enum: ['admin', 'user'] },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('validateJsonSchema', () => {
  it('accepts a value that matches', () => {
    expect(validateJsonSchema(person, { name: 'Ada', age: 36, role: 'admin', tags: ['x'] })).toEqual([]);
  });

  it('reports every issue with its path', () => {
    const issues = validateJsonSchema(person, {
      name: '',
      age: 3.5,
      role: 'root',
      tags: ['a', 1, 'c'],
      x: 1,
    });
    expect(issues).toEqual([
      { path: ['name'], message: 'must have at least 1 characters, got 0' },
      { path: ['age'], message: 'expected integer, got a number (3.5)' },
      { path: ['role'], message: 'expected one of "admin", "user"' },
      { path: ['tags'], message: 'must have at most 2 items, got 3' },
      { path: ['tags', 1], message: 'expected string, got an integer (1)' },
      { path: ['x'], message: 'is not an allowed property' },
    ]);
    expect(formatSchemaIssues(issues)).toContain('- answer.tags[1]: expected string, got an integer (1)');
  });

  it('names missing required properties and a wrong type at the root', () => {
    expect(validateJsonSchema(person, { name: 'Ada' })).toEqual([
      { path: ['age'], message: 'is required but missing' },
    ]);
    expect(validateJsonSchema(person, 'Ada is 36')).toEqual([
      { path: [], message: 'expected object, got a string ("Ada is 36")' },
    ]);
    expect(validateJsonSchema({ type: ['string', 'null'] }, null)).toEqual([]);
  });

  it('checks const, bounds, patterns, and schemas of additional properties', () => {
    expect(validateJsonSchema({ const: { a: [1] } }, { a: [1] })).toEqual([]);
    expect(validateJsonSchema({ const: 'x' }, 'y')).toHaveLength(1);
    expect(validateJsonSchema({ type: 'number', exclusiveMinimum: 0 }, 0)).toHaveLength(1);
    expect(validateJsonSchema({ type: 'number', maximum: 1 }, 2)).toEqual([
      { path: [], message: 'must be at most 1, got 2' },
    ]);
    expect(validateJsonSchema({ type: 'string', pattern: '^\\d{5}$' }, '1234')).toHaveLength(1);
    expect(
      validateJsonSchema({ type: 'object', additionalProperties: { type: 'number' } }, { a: 'x' }),
    ).toEqual([{ path: ['a'], message: 'expected number, got a string ("x")' }]);
    expect(validateJsonSchema({ type: 'number' }, Number.NaN)).toHaveLength(1);
  });

  it('takes anyOf and oneOf, and says how the closest alternative failed', () => {
    const schema: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'object', required: ['id'] }] };
    expect(validateJsonSchema(schema, 'a')).toEqual([]);
    expect(validateJsonSchema(schema, {})[0]?.message).toBe(
      'matches none of the allowed shapes (anyOf): answer.id: is required but missing',
    );
    const one = { oneOf: [{ type: 'number' }, { type: 'integer' }] };
    expect(validateJsonSchema(one, 1.5)).toEqual([]);
    expect(validateJsonSchema(one, 1)[0]?.message).toContain('exactly one must match');
  });

  it('follows local $refs and reads tuples in both spellings', () => {
    const tree = {
      $defs: {
        node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
      $ref: '#/$defs/node',
    };
    expect(validateJsonSchema(tree, { children: [{ children: [] }] })).toEqual([]);
    expect(validateJsonSchema(tree, { children: [{ children: [1] }] })).toEqual([
      { path: ['children', 0, 'children', 0], message: 'expected object, got an integer (1)' },
    ]);
    expect(validateJsonSchema({ prefixItems: [{ type: 'string' }], items: false }, ['a', 'b'])).toEqual([
      { path: [1], message: 'no value is allowed here' },
    ]);
    expect(validateJsonSchema({ items: [{ type: 'string' }, { type: 'number' }] }, ['a', 'b'])).toHaveLength(
      1,
    );
  });
});

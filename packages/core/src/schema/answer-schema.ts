import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { JsonSchema } from '../tool/tool';
import type { StandardJSONSchemaV1, StandardSchemaV1 } from './standard-schema';
import { type SchemaIssue, validateJsonSchema } from './validate-json-schema';

/**
 * What an answer may be checked against: a schema of any Standard Schema library (zod 4, valibot,
 * arktype, …) or a plain JSON Schema object (typed `object` so that any library's JSON Schema type,
 * `JSONSchema7` or `z.toJSONSchema`'s, is accepted as it is).
 */
export type AnswerSchema = StandardSchemaV1 | object;

/**
 * The type of a run's answer with `schema`: the schema's output type for a Standard Schema,
 * `unknown` for a JSON Schema (a plain object says nothing TypeScript can read), `string` without one.
 */
export type InferAnswer<Schema extends AnswerSchema | undefined> = [Schema] extends [undefined]
  ? string
  : Schema extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<Schema>
    : unknown;

/** An answer schema ready for a run: its JSON Schema for the prompt, and its validation. */
export interface ResolvedAnswerSchema {
  /** Shown to the model. */
  readonly jsonSchema: JsonSchema;
  /** The value as the schema gives it back (a Standard Schema may transform it), or the issues. */
  validate(value: unknown): Promise<AnswerValidation>;
}

/** The outcome of validating one answer. */
export type AnswerValidation =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly issues: readonly SchemaIssue[] };

/**
 * Checks a `schema` option and makes it ready. A Standard Schema needs a JSON Schema for the prompt:
 * its own (`~standard.jsonSchema`, the Standard JSON Schema extension that zod 4 implements), or
 * `jsonSchema` given alongside; `jsonSchema` wins when both exist.
 */
export function resolveAnswerSchema(
  schema: unknown,
  jsonSchema: object | undefined,
  argument = 'schema',
): ResolvedAnswerSchema {
  if (jsonSchema !== undefined && !isPlainObject(jsonSchema)) {
    throw new InvalidArgumentError({
      argument: 'jsonSchema',
      message: `jsonSchema must be a JSON Schema object, e.g. { type: 'object', properties: { … } }; got ${describe(jsonSchema)}.`,
    });
  }
  if (isStandardSchema(schema)) {
    const standard = schema['~standard'];
    const shown = (jsonSchema as JsonSchema | undefined) ?? ownJsonSchema(schema);
    if (!shown) {
      throw new InvalidArgumentError({
        argument: 'jsonSchema',
        message: `The ${standard.vendor} schema given as ${argument} cannot write itself as JSON Schema (it does not implement the Standard JSON Schema extension), and the model must be shown the shape of the answer. Pass jsonSchema alongside it, e.g. { schema, jsonSchema: toJsonSchema(schema) } with @valibot/to-json-schema, or wrap it with toStandardJsonSchema.`,
      });
    }
    return {
      jsonSchema: withoutDialect(shown),
      async validate(value) {
        const result = await standard.validate(value);
        if (result.issues) return { issues: result.issues.map(toSchemaIssue) };
        return { value: result.value };
      },
    };
  }
  if (!isPlainObject(schema)) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a Standard Schema (zod 4, valibot, arktype, …) or a JSON Schema object; got ${describe(schema)}.`,
    });
  }
  try {
    JSON.stringify(schema);
  } catch (error) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be a JSON Schema that JSON.stringify can write (it is shown to the model).`,
      cause: error,
    });
  }
  const plain = schema as JsonSchema;
  return {
    jsonSchema: withoutDialect(plain),
    async validate(value) {
      const issues = validateJsonSchema(plain, value);
      return issues.length > 0 ? { issues } : { value };
    },
  };
}

/** Whether `value` implements Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const standard = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof standard === 'object' &&
    standard !== null &&
    typeof (standard as { validate?: unknown }).validate === 'function'
  );
}

/** The output JSON Schema a Standard JSON Schema writes, if the library implements the extension. */
function ownJsonSchema(schema: StandardSchemaV1): JsonSchema | undefined {
  const converter = (schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  if (typeof converter?.output !== 'function') return undefined;
  for (const target of ['draft-2020-12', 'draft-07'] as const) {
    try {
      const written = converter.output({ target });
      if (isPlainObject(written)) return written as JsonSchema;
    } catch {
      // This target is not supported (or this schema cannot be written): try the next one.
    }
  }
  return undefined;
}

/** The `$schema` dialect line says nothing to the model. */
function withoutDialect(schema: JsonSchema): JsonSchema {
  if (!('$schema' in schema)) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function toSchemaIssue(issue: StandardSchemaV1.Issue): SchemaIssue {
  const path = (issue.path ?? []).map((segment) => {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    return typeof key === 'number' ? key : String(key);
  });
  return { message: issue.message, path };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

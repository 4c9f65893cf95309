import type { JsonValue } from '../environment/context-value';
import { AnswerValidationError } from '../errors/answer-validation-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { formatSchemaIssues } from '../prompts/answer-schema-messages';
import { type ResolvedAnswerSchema, resolveAnswerSchema } from '../schema/answer-schema';
import type { JsonSchema } from '../tool/tool';
import { checkAnswer } from './typed-answer';

/**
 * The `{ schema }` option of `rlm_query` / `rlm_query_batched` (their third argument), written by
 * the model: a JSON Schema the child's answer must match. Checked with a message the model can act on.
 */
export function readAnswerSchemaOption(
  options: JsonValue | undefined,
  functionName: string,
): ResolvedAnswerSchema | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError({
      argument: 'options',
      message: `${functionName}: the third argument must be an options object, e.g. { schema: { type: 'object', properties: { … } } }.`,
    });
  }
  const { schema } = options;
  if (schema === undefined || schema === null) return undefined;
  if (typeof schema !== 'object' || Array.isArray(schema)) {
    throw new InvalidArgumentError({
      argument: 'options.schema',
      message: `${functionName}: options.schema must be a JSON Schema object, e.g. { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }.`,
    });
  }
  return resolveAnswerSchema(schema as JsonSchema, undefined, `${functionName} options.schema`);
}

/** Added to a plain call's prompt (an `rlm_query` at the depth limit) that has an answer schema. */
export function plainAnswerSchemaInstruction(schema: JsonSchema): string {
  return `Answer with JSON only, no other text, matching this JSON Schema:\n${JSON.stringify(schema)}`;
}

/** A plain call's reply read as JSON and validated; an `AnswerValidationError` when it does not match. */
export async function checkPlainAnswer(
  schema: ResolvedAnswerSchema,
  reply: string,
): Promise<{ readonly value: unknown }> {
  const checked = await checkAnswer(schema, { value: reply });
  if (checked.accepted) return { value: checked.value };
  throw new AnswerValidationError({
    value: checked.value,
    issues: checked.issues,
    attempts: 1,
    message: `rlm_query: the sub-model's answer does not match the schema:\n${formatSchemaIssues(checked.issues)}`,
  });
}

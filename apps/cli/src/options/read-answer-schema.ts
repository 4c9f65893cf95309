import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '@rlm/core';

/** The JSON Schema of `--schema FILE`, read and parsed; a usage error that says what is wrong. */
export async function readAnswerSchema(file: string, cwd: string): Promise<object> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'schema',
      message: `--schema: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Give the path of a JSON Schema file.`,
      cause: error,
    });
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'schema',
      message: `--schema: '${file}' is not JSON (${(error as Error).message}). It must hold a JSON Schema, e.g. { "type": "object", "properties": { "total": { "type": "integer" } } }.`,
      cause: error,
    });
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new InvalidArgumentError({
      argument: 'schema',
      message: `--schema: '${file}' must hold a JSON Schema object, e.g. { "type": "object", "properties": { … } }.`,
    });
  }
  return schema;
}

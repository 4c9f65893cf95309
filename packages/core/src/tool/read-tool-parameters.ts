import type { JsonValue } from '../environment/context-value';
import { InvalidArgumentError } from '../errors/invalid-argument-error';

/*
 * Checks of a tool's one argument object, for tool authors: each throws an `InvalidArgumentError`
 * whose message names the tool, the parameter, what was given and an example call, which the loop
 * turns into an Error inside the REPL that the model can act on.
 */

/** The tool's one argument as a record, after refusing anything but an object with known keys. */
export function readToolParameters(
  toolName: string,
  parameters: JsonValue | undefined,
  known: readonly string[],
  example: string,
): Record<string, JsonValue | undefined> {
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new InvalidArgumentError({
      argument: 'parameters',
      message: `${toolName} takes one object argument, e.g. ${example}.`,
    });
  }
  const unknown = Object.keys(parameters).filter((key) => !known.includes(key));
  if (unknown.length) {
    throw new InvalidArgumentError({
      argument: unknown[0]!,
      message: `${toolName}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `'${key}'`).join(', ')}. It takes ${known.map((key) => `'${key}'`).join(', ')}, e.g. ${example}.`,
    });
  }
  return parameters;
}

/** An optional whole number in [min, max], or `fallback` when left out. */
export function readToolInteger(
  toolName: string,
  name: string,
  value: JsonValue | undefined,
  range: { readonly min: number; readonly max: number; readonly fallback: number },
): number {
  if (value === undefined || value === null) return range.fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InvalidArgumentError({
      argument: name,
      message: `${toolName}: '${name}' must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(value)}.`,
    });
  }
  return value;
}

/** A required string that is not blank. */
export function readToolText(
  toolName: string,
  name: string,
  value: JsonValue | undefined,
  example: string,
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError({
      argument: name,
      message: `${toolName}: '${name}' must be a non-empty string${value === undefined ? ' and is missing' : `, got ${JSON.stringify(value)}`}, e.g. ${example}.`,
    });
  }
  return value;
}

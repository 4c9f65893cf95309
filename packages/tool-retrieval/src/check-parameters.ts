import { InvalidArgumentError, type JsonValue } from '@rlm/core';

/** The tool's one argument as a record, after refusing anything but an object with known keys. */
export function readParameters(
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
  if (unknown.length > 0) {
    throw new InvalidArgumentError({
      argument: unknown[0]!,
      message: `${toolName}: unknown parameter ${unknown.map((key) => `'${key}'`).join(', ')}. It takes ${known.map((key) => `'${key}'`).join(', ')}, e.g. ${example}.`,
    });
  }
  return parameters;
}

/** An optional whole number in [min, max], `fallback` when left out. */
export function readInteger(
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

/** A whole number option of the tool's factory, at least `minimum`. */
export function checkOption(name: string, value: number | undefined, minimum: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
    throw new InvalidArgumentError({
      argument: name,
      message: `createRetrievalTool: ${name} must be a whole number of at least ${minimum}, got ${String(value)}.`,
    });
  }
}

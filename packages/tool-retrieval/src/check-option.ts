import { InvalidArgumentError } from '@rlm/core';

/** A whole number option of the tool's factory, at least `minimum`. */
export function checkOption(name: string, value: number | undefined, minimum: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
    throw new InvalidArgumentError({
      argument: name,
      message: `createRetrievalTool: ${name} must be a whole number of at least ${minimum}, got ${String(value)}.`,
    });
  }
}

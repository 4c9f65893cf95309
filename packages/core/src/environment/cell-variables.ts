import { MAX_LISTED_VARIABLES, MAX_VARIABLE_PREVIEW_CHARS } from '../javascript/javascript-prelude';
import type { ReplVariable } from './repl-environment';

/**
 * The `variables` field of a cell's result, from what a sandbox reported (the prelude's `endCell`
 * output, which crossed a boundary as JSON): `{ variables }` when the report is a well-formed list
 * within the prelude's bounds, else `{}`. Engines spread it into their outcome, so a sandbox that
 * reports nothing, or something it could not have written, adds nothing to the trajectory.
 */
export function cellVariablesField(reported: unknown): { variables?: readonly ReplVariable[] } {
  if (!Array.isArray(reported) || reported.length > MAX_LISTED_VARIABLES) return {};
  // A bound with room for the ellipsis and a JSON-quoted preview's escapes.
  const limit = MAX_VARIABLE_PREVIEW_CHARS * 2 + 16;
  const variables: ReplVariable[] = [];
  for (const item of reported) {
    if (typeof item !== 'object' || item === null) return {};
    const { name, type, preview } = item as Record<string, unknown>;
    if (typeof name !== 'string' || typeof type !== 'string' || typeof preview !== 'string') return {};
    if (name.length > 1_000 || type.length > limit || preview.length > limit) return {};
    variables.push({ name, type, preview });
  }
  return { variables };
}

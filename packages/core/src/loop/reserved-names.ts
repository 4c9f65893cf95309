import { JAVASCRIPT_RESERVED_NAMES } from '../javascript/javascript-prelude';

/** The host functions the loop always defines in the REPL. */
export const LOOP_HOST_FUNCTION_NAMES: readonly string[] = [
  'llm_query',
  'llm_query_batched',
  'rlm_query',
  'rlm_query_batched',
];

/**
 * Every name the REPL defines for the model: the prelude's own (`context`, `FINAL`, …) and the loop's
 * host functions. Environments restore them after every cell; tools may not take them.
 */
export const RESERVED_NAMES: readonly string[] = [...JAVASCRIPT_RESERVED_NAMES, ...LOOP_HOST_FUNCTION_NAMES];

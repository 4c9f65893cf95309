/** Names the REPL defines for the model; environments restore them after every cell, and tools may not take them. */
export const RESERVED_NAMES: readonly string[] = [
  'context',
  'llm_query',
  'llm_query_batched',
  'rlm_query',
  'rlm_query_batched',
  'FINAL',
  'FINAL_VAR',
  'SHOW_VARS',
  'console',
];

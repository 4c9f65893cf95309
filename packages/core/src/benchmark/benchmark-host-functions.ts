import type { HostFunction } from '../environment/repl-environment';

/**
 * The host functions of the standard benchmark cells: `noop()`, which answers `null` at once (the
 * bare cost of a host call), and `llm_query(prompt)`, a stand-in model call that answers
 * `answer:<prompt>` after `llmQueryLatencyMs` milliseconds (default 200).
 */
export function benchmarkHostFunctions(llmQueryLatencyMs = 200): Record<string, HostFunction> {
  return {
    noop: async () => null,
    llm_query: async ([prompt]) => {
      await new Promise((resolve) => setTimeout(resolve, llmQueryLatencyMs));
      return `answer:${String(prompt)}`;
    },
  };
}

/*
 * Where each limit is enforced:
 *
 * - maxTurns: loop/run-rlm.ts, `runRLM`'s turn loop runs at most this many turns; then
 *   loop/max-turns-fallback.ts, `askForBestAnswer`, makes the one last call and throws when it
 *   gives no answer.
 * - maxDepth: loop/host-functions.ts, `childCall`: `rlm_query` starts a child only below the limit,
 *   else it is a plain call (loop/run-prompt.ts only tells the model which it gets).
 * - maxSubCalls: limits/run-budget.ts, `RunBudget.reserveSubCall`, which every sub-call takes
 *   before its work (loop/sub-call-record.ts, `recordSubCall`); only the calls over it fail.
 * - maxTokens, maxCostUsd: limits/run-budget.ts, `RunBudget.reserve`, which loop/call-model.ts,
 *   `callModel`, awaits before sending each model call; once spent, the whole tree stops.
 * - timeoutMs: loop/run-tree.ts, the `RunTree` constructor's timer stops the whole tree.
 * - maxConsecutiveErrors: loop/run-rlm.ts, `runRLM`'s turn loop counts turns whose cells all failed.
 *
 * Settings that bound a run but are not limits: `concurrency` / `maxConcurrency` are held by
 * loop/call-model.ts, `callModel` (a slot of the model's window, limits/concurrency-window.ts, and one
 * of the tree's limiter per model call, of the root, of a child, or of a sub-call) and by
 * loop/run-session.ts, `RunSession.start` (a slot of the tree's limiter per sandbox creation); `cellTimeoutMs` goes to the
 * environment with every cell (`RunSession.runCell`, and loop/resolve-final-from-prose.ts); `maxOutputChars` caps what the model sees in
 * prompts/loop-messages.ts, `formatCellOutput`.
 */

/** Limits of one run. A child RLM gets what is left of its parent's budget. */
export interface RLMLimits {
  /** Root-model turns per run (each child has its own). When they run out, one more call asks for the best answer. Default 30. */
  readonly maxTurns?: number;
  /**
   * How deep recursion goes. The root is depth 0; `rlm_query` from depth `d` starts a child RLM only
   * when `d + 1 < maxDepth`, otherwise it is a plain `llm_query`. Default 1: sub-calls are plain
   * model calls (the paper's "RLM depth 1"). Set 2 for children that can themselves sub-call.
   */
  readonly maxDepth?: number;
  /**
   * Sub-calls (`llm_query`, `rlm_query`, batched items) across the whole run tree. Default unlimited.
   * 0 allows none (the paper's "RLM, REPL only" ablation): each sub-call fails inside the REPL.
   */
  readonly maxSubCalls?: number;
  /** Input plus output tokens across the whole run tree. Default unlimited. */
  readonly maxTokens?: number;
  /** Cost in US dollars across the whole run tree (calls of unknown cost count as 0). Default unlimited. */
  readonly maxCostUsd?: number;
  /** Wall-clock time of the whole run tree, in milliseconds. Default unlimited. */
  readonly timeoutMs?: number;
  /** Turns in a row whose code all failed, before the run gives up. Default 5. */
  readonly maxConsecutiveErrors?: number;
}

/** The limit that was hit. */
export type LimitName =
  | 'maxTurns'
  | 'maxDepth'
  | 'maxSubCalls'
  | 'maxTokens'
  | 'maxCostUsd'
  | 'timeoutMs'
  | 'maxConsecutiveErrors';

export const DEFAULT_LIMITS = {
  maxTurns: 30,
  maxDepth: 1,
  maxConsecutiveErrors: 5,
} as const;

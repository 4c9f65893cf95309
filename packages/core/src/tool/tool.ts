import type { EmbeddingModel, EmbeddingModelResult } from '../embedding-model/embedding-model';
import type { ContextValue, JsonValue } from '../environment/context-value';

/**
 * A JSON Schema (draft 2020-12 subset) describing a tool's parameters. Kept as a plain object so
 * that any schema library (zod's `toJSONSchema`, TypeBox, hand-written) can produce it.
 */
export type JsonSchema = { readonly [key: string]: JsonValue | undefined };

/**
 * A tool the model can call from inside the REPL, e.g. a BM25 search over the context.
 *
 * It appears in the REPL as an async global function named `name` that takes the parameters as one
 * object (`await search({ query: 'refund', k: 5 })`), and in the system prompt with its description.
 * The tool runs on the host, outside the sandbox, so it may use anything the host can.
 */
export interface Tool<
  Parameters extends JsonValue = JsonValue,
  Result extends JsonValue | undefined = JsonValue,
> {
  /** A valid identifier not clashing with the reserved names (`llm_query`, `FINAL`, `context`, …). */
  readonly name: string;
  /** What the tool does and when to use it; goes verbatim into the system prompt. */
  readonly description: string;
  /** The schema of the one argument object. Shown to the model; checked by the tool itself. */
  readonly parameters: JsonSchema;
  /** Runs the tool. Throwing (or rejecting) raises an `Error` with the same message inside the REPL. */
  execute(parameters: Parameters, options: ToolExecuteOptions): Promise<Result>;
}

/** What a tool's `execute` receives besides its parameters. */
export interface ToolExecuteOptions {
  /** The run's signal: aborted when the run is cancelled or a limit is hit. */
  readonly abortSignal: AbortSignal;
  /** The user's `context` for this RLM (a child RLM sees its own sub-context). */
  readonly context: ContextValue;
  /** The depth of the RLM that called the tool (0 is the root). */
  readonly depth: number;
  /**
   * Embeds `values` with `model` as part of the run: the call takes a slot of the run's concurrency
   * cap, is refused once `limits.maxTokens` / `limits.maxCostUsd` is spent, and its usage and cost
   * count in the run's totals and budget. Given by the loop; absent when a tool is called outside a
   * run (tests), where a tool calls `model.doEmbed` itself.
   */
  readonly embed?: (model: EmbeddingModel, values: readonly string[]) => Promise<EmbeddingModelResult>;
}

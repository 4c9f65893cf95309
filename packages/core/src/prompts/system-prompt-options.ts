import type { JsonSchema, Tool } from '../tool/tool';

/** What a system prompt needs to know about the run it is written for. */
export interface SystemPromptOptions {
  /** Whether `rlm_query` starts a child RLM at this depth (otherwise it is a plain `llm_query`). */
  readonly recursionAvailable: boolean;
  /** The sub-model's context window in tokens, so the model sizes its chunks. */
  readonly subModelContextWindow: number;
  /** Names of models that `llm_query(prompt, model)` may pick, besides the default. */
  readonly namedModels: readonly string[];
  /** How many characters of each cell's output the model is shown. */
  readonly maxOutputChars: number;
  /** How many sub-calls run at once. */
  readonly maxConcurrency: number;
  /** Tools available as functions in the REPL. */
  readonly tools: readonly Tool[];
  /**
   * The tag that starts every line the loop adds to what the model sees (block headers, notes,
   * errors, the turn count), e.g. `[rlm-3fa9c2e1b7d0]`; made for each run, and never found in what
   * cells print (it is neutralised there). A custom system prompt should name it, so that the model
   * can tell the loop's notes from printed text that imitates them. Set by the loop.
   */
  readonly noteTag?: string;
  /**
   * The JSON Schema the value passed to FINAL must match, when the run has one (`completion`'s
   * `schema`, or `rlm_query`'s for a child). A custom system prompt should show it to the model.
   */
  readonly answerSchema?: JsonSchema;
}

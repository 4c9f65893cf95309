import type { FailedSubCalls, RLMEventListener, RunUsage } from '@rlm/core';

/** One `rlm_ask` call, checked: what the host's runner receives. */
export interface RlmAskRequest {
  readonly question: string;
  /** Files, folders and globs, absolute, each checked to be inside the roots. */
  readonly paths: readonly string[];
  /** Text given with the question, as a context of its own or besides the files. */
  readonly text?: string;
  /** The caller's cost cap for this call, in US dollars (the server's own `--max-cost` still applies). */
  readonly maxCostUsd?: number;
  /** Aborted when the client cancels the call (or the connection goes): the run must stop and dispose its sandbox. */
  readonly signal: AbortSignal;
  /** Receives the run's events (progress notifications are made from them). */
  readonly onEvent: RLMEventListener;
  /** Throws unless a file is inside the roots: the loader calls it before reading each file. */
  readonly checkFile: (absolutePath: string) => Promise<void>;
  /** The folder relative paths start from (the first root): the loader's working folder. */
  readonly base: string;
}

/** What a run gave: an answer (maybe partial), what it cost, and where its trajectory is. */
export interface RlmAskAnswer {
  /** The answer, or the best partial one; absent when the run stopped before it had any. */
  readonly answer?: string;
  /** True when the answer is not the model's FINAL one (a limit stopped the run, the turns ran out). */
  readonly partial: boolean;
  /** One line: `answered`, `stopped by --max-cost …`, … */
  readonly status: string;
  readonly turns: number;
  readonly durationMs: number;
  readonly costUsd: number;
  readonly usage?: RunUsage;
  readonly failedSubCalls?: FailedSubCalls;
  /** The JSONL trajectory written for the run, absolute. */
  readonly trajectoryFile?: string;
  /** What was read: documents and characters. */
  readonly context?: { readonly documents: number; readonly characters: number };
  /** Why the run stopped, when it did not answer. */
  readonly error?: { readonly name: string; readonly message: string };
}

/**
 * The host's side of `rlm_ask`: reads the context, runs the RLM and reports. The `rlm mcp` command
 * passes one built from its flags, `RLM_*` variables and config files; an embedding program passes
 * its own. Throwing (a missing key, a path that does not exist) makes the call a tool error whose
 * text is {@link RlmMcpServerOptions.explainError}'s, or the error's message.
 */
export type RlmAsk = (request: RlmAskRequest) => Promise<RlmAskAnswer>;

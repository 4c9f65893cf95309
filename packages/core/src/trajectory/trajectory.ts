import type { ContextValue } from '../environment/context-value';
import type { CellResult } from '../environment/repl-environment';
import type { ChatMessage, FinishReason, LanguageModelUsage } from '../language-model/language-model';
import type { RecordedModelCall } from '../model-call-store/model-call-store';
import type { FailedSubCalls } from '../usage/failed-sub-calls';
import type { RunUsage } from '../usage/usage-totals';

/** How the run's answer was obtained. */
export type AnswerSource =
  /** The code called `FINAL(value)`. */
  | 'FINAL'
  /** The code called `FINAL_VAR(name)`. */
  | 'FINAL_VAR'
  /** The model wrote `FINAL(...)` / `FINAL_VAR(...)` as text instead of code (a fallback). */
  | 'text'
  /** The turn budget ran out; one more call asked the model for its best answer from the history. */
  | 'max-turns-fallback'
  /** A depth-limited `rlm_query` answered as a plain model call. */
  | 'plain-call';

/** What the root model is told about the context, also kept in the trajectory. */
export interface ContextSummary {
  /** `'string'`, `'string[]'`, `'array'` or `'object'`. */
  readonly type: 'string' | 'string[]' | 'array' | 'object' | 'number' | 'boolean' | 'null';
  /** Characters in total (for JSON data: of its JSON text). */
  readonly totalCharacters: number;
  /** Approximate tokens in total. */
  readonly approximateTokens: number;
  /** Number of parts (documents, array items or object keys); 1 for a string. */
  readonly parts: number;
  /** Character sizes of the first parts (up to 100). */
  readonly partSizes: readonly number[];
  /** The object's first keys, for object contexts. */
  readonly keys?: readonly string[];
  /** The first characters of the context. */
  readonly head: string;
  /** The last characters of the context. */
  readonly tail: string;
}

/**
 * Marks a text that a trajectory did not keep whole because it was longer than
 * `maxTrajectoryTextChars` (a refused 10 MB prompt, say): the kept string is its first `head` and
 * last `tail` characters around a line saying what was cut.
 */
export interface TrajectoryTextCut {
  /** Characters of the whole text. */
  readonly length: number;
  /** SHA-256 of the whole text's UTF-8 bytes, in hex, to check a copy kept elsewhere. */
  readonly sha256: string;
  /** Characters kept from its start. */
  readonly head: number;
  /** Characters kept from its end. */
  readonly tail: number;
}

/** One sub-call made from a cell: `llm_query` (plain) or `rlm_query` (a child RLM). */
export interface TrajectorySubCall {
  readonly kind: 'llm' | 'rlm';
  /** `provider:modelId` of the model that answered (the child's root model for `rlm`). */
  readonly model: string;
  /** The prompt, or its head and tail when it was too long to keep (see `promptCut`). */
  readonly prompt: string;
  /** Set when `prompt` is only the head and tail of a longer prompt. */
  readonly promptCut?: TrajectoryTextCut;
  /** The answer, when the call succeeded; its head and tail when it was too long to keep (see `responseCut`). */
  response?: string;
  /** Set when `response` is only the head and tail of a longer answer. */
  responseCut?: TrajectoryTextCut;
  usage?: LanguageModelUsage;
  costUsd?: number;
  durationMs?: number;
  /** ISO 8601 time the call was made (set by versions that record it): with `durationMs`, when it was in flight. */
  startedAt?: string;
  /** Set when a store answered instead of the provider: the sub-call cache, or a resumed run's replay. */
  servedFrom?: 'cache' | 'replay';
  error?: { readonly name: string; readonly message: string };
  /** For `kind: 'rlm'` that ran a child RLM: its whole trajectory. */
  child?: Trajectory;
}

/** One code block of a turn and what it did. */
export interface TrajectoryCodeBlock {
  readonly code: string;
  /** What the environment returned; absent when the block was skipped (an earlier block called FINAL). */
  result?: CellResult;
  /** Sub-calls started by this block. */
  readonly subCalls: TrajectorySubCall[];
}

/** One turn of the loop: a root-model call and the code it wrote. */
export interface TrajectoryIteration {
  /** 1-based turn number. */
  readonly turn: number;
  /** ISO 8601 time the turn started (set by versions that record it). */
  readonly startedAt?: string;
  /** The root model's reply. */
  readonly response: string;
  readonly usage: LanguageModelUsage;
  readonly costUsd?: number;
  readonly finishReason?: FinishReason;
  /** Time of the root-model call, in milliseconds. */
  readonly modelDurationMs: number;
  /** Set when a store answered the root model's call instead of the provider. */
  readonly servedFrom?: 'cache' | 'replay';
  readonly codeBlocks: TrajectoryCodeBlock[];
  /** The user message appended after this turn (the outputs the model saw next). */
  feedback?: string;
  /** Set on the turn that produced the answer. */
  finalAnswer?: string;
  /** Wall-clock time of the whole turn, in milliseconds. */
  durationMs?: number;
}

/** Configuration and inputs of a run, written first in a JSONL log. */
export interface TrajectoryMetadata {
  /** `provider:modelId` of the root model. */
  readonly rootModel: string;
  /** `provider:modelId` of the sub-model. */
  readonly subModel: string;
  readonly environment: string;
  /** The language the environment runs (`'javascript'`, `'python'`); set by versions that can resume. */
  readonly language?: string;
  /**
   * SHA-256 of the context's content (see `contextSha256`), on the root run's metadata: a resumed run
   * must be given the same context. Set by versions that can resume.
   */
  readonly contextSha256?: string;
  readonly maxDepth: number;
  readonly maxTurns: number;
  /** The question; its head and tail when it was too long to keep (a child's question is a model-written prompt). */
  readonly question: string;
  /** Set when `question` is only the head and tail of a longer one. */
  readonly questionCut?: TrajectoryTextCut;
  readonly context: ContextSummary;
  /** The first two messages (system prompt and the opening user message); later ones are in the iterations. */
  readonly initialMessages: readonly ChatMessage[];
}

/** The whole record of one RLM run (and, nested in its sub-calls, its children). Plain JSON. */
export interface Trajectory {
  readonly version: 1;
  readonly runId: string;
  readonly parentRunId?: string;
  readonly depth: number;
  /** ISO 8601 time the run started. */
  readonly startedAt: string;
  readonly metadata: TrajectoryMetadata;
  readonly iterations: TrajectoryIteration[];
  /**
   * On the root trajectory: every model call of the run tree that a provider answered, with its key
   * and whole answer, in the order they were answered (those of earlier attempts first, for a resumed
   * run). `rlm.resume` replays them. Calls the cache answered are not recorded (the cache answers them
   * again); nor are failed or aborted ones.
   */
  readonly modelCalls?: RecordedModelCall[];
  answer?: string;
  answerSource?: AnswerSource;
  usage?: RunUsage;
  /** Sub-calls of this run and its children that failed, out of all they made (set when the run ends). */
  failedSubCalls?: FailedSubCalls;
  durationMs?: number;
  /** Set when the run failed; the answer may still hold a partial one. */
  error?: { readonly name: string; readonly message: string };
  /** Set for a question of a session (`rlm.session`): which session, and which of its questions. */
  session?: TrajectorySession;
}

/** Where a question's run sits in its session. */
export interface TrajectorySession {
  /** The session's id, the same for each of its questions. */
  readonly sessionId: string;
  /** 1 for the session's first question, 2 for the next, … */
  readonly question: number;
  /**
   * The compactions of this question's conversation, in order (see the `compaction` event). The
   * JSONL's per-turn prompts are rebuilt from the messages as first sent; after a compaction the
   * root model was sent the summary instead of the messages it replaced.
   */
  compactions?: TrajectoryCompaction[];
}

/** One compaction of a question's conversation. */
export interface TrajectoryCompaction {
  readonly scope: 'session' | 'run';
  /** The turn whose root call first got the summary. */
  readonly beforeTurn: number;
  readonly from: number;
  readonly to: number;
  readonly summary: string;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
}

/** A short description of a context, for the prompt, the trajectory and events. */
export type DescribeContext = (context: ContextValue) => ContextSummary;

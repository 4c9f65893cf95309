import type { FinishReason, LanguageModelUsage } from '../language-model/language-model';

/**
 * Where the loop looks for a model call's answer before sending it, and keeps the answers of calls it
 * sent: the sub-call cache (`RLMSettings.cache`, e.g. a file store) and the replay of a stopped run
 * (`rlm.resume(trajectory)`) are both stores. Every model call of a run tree — root turns, children's
 * root turns, sub-calls — goes through the tree's stores.
 *
 * A store never throws for a bad entry: an entry that is corrupt, truncated, or from another format
 * version is a miss (`undefined`), never trusted.
 */
export interface ModelCallStore {
  /**
   * `'cache'`: a hit costs nothing and is counted as cached (no budget charge). `'replay'`: the
   * recorded call of an earlier attempt at this same run; a hit is counted as replayed and its recorded
   * usage and cost count against this run's limits (a resumed run goes on with the remaining budget).
   */
  readonly kind: 'cache' | 'replay';
  /** The stored answer of a call with this key, or `undefined`. */
  get(key: ModelCallKey): Promise<StoredModelCall | undefined>;
  /** Keeps the answer of a call that was sent and answered. A failure to write is not the run's failure. */
  put(key: ModelCallKey, call: StoredModelCall): Promise<void>;
}

/** What identifies one model call: see `modelCallKey`. */
export interface ModelCallKey {
  /** Hex SHA-256 over the provider, the model id, the messages and the call's settings. */
  readonly hash: string;
  readonly provider: string;
  readonly modelId: string;
}

/** A model call's answer as a store keeps it. */
export interface StoredModelCall {
  readonly text: string;
  readonly usage: LanguageModelUsage;
  readonly costUsd?: number;
  readonly finishReason?: FinishReason;
}

/**
 * One answered model call as a run records it (`Trajectory.modelCalls`): its key (a `replayCallKey`:
 * the turn limit left out) and its whole answer. A resumed run replays these, in order per key, instead of sending the calls again.
 */
export interface RecordedModelCall extends ModelCallKey, StoredModelCall {}

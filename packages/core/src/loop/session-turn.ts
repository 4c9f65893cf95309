import type { ChatMessage } from '../language-model/language-model';
import type { TrajectorySession } from '../trajectory/trajectory';
import type { RunSession } from './run-session';
import type { RunState } from './run-state';
import type { RunTree } from './run-tree';

/**
 * What a question of a session (`rlm.session`) adds to the root run that answers it: the REPL the
 * session keeps, the earlier questions in the conversation, and their compaction.
 */
export interface SessionTurn {
  /** Recorded in the question's trajectory. */
  readonly trajectorySession: TrajectorySession;
  /** The messages the run starts from, given those a lone run would start from (system prompt first). */
  messages(initial: readonly ChatMessage[], tag: string): ChatMessage[];
  /** The run's sandbox: the session's REPL, which the run's end leaves open. */
  runSession(tree: RunTree, options: ConstructorParameters<typeof RunSession>[1]): RunSession;
  /**
   * Called before each turn: compacts the earlier questions (before turn 1) or the question's earlier
   * turns (later) when the conversation nears the root model's window.
   */
  beforeTurn(tree: RunTree, run: RunState, turn: number): Promise<void>;
}

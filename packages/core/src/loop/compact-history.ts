import type { ChatMessage } from '../language-model/language-model';
import {
  COMPACTION_SYSTEM_PROMPT,
  compactionRequest,
  type SessionExchange,
  sessionSummaryMessage,
} from '../prompts/session-messages';
import { estimateTokens } from '../text/estimate-tokens';
import { keepText } from '../trajectory/keep-text';
import { callModel } from './call-model';
import type { RunState } from './run-state';
import type { RunTree } from './run-tree';

/** Compaction starts when the conversation's estimated tokens pass this share of the root model's window. */
export const DEFAULT_COMPACTION_THRESHOLD = 0.85;

/** What a session's conversation holds of its earlier questions. */
export interface SessionConversation {
  /** Every answered question, in order (what `history` holds). */
  readonly exchanges: SessionExchange[];
  /** The summary of questions 1..`through`, once a compaction wrote one. */
  summary: { readonly text: string; readonly through: number } | undefined;
}

/** Estimated tokens of a conversation. */
export function conversationTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
}

/**
 * Before a session question's first turn: when its conversation (system prompt, earlier questions,
 * the question) passes `threshold` of the root model's context window, one root-model call
 * summarises every earlier question not yet summarised (with the previous summary), and the summary
 * replaces them in `run.messages` (messages 1 to `earlierMessages`). Reports a `compaction` event.
 * Returns the number of messages that now stand for the earlier questions.
 */
export async function compactEarlierQuestions(
  tree: RunTree,
  run: RunState,
  options: {
    readonly conversation: SessionConversation;
    /** Messages after the system prompt that stand for earlier questions. */
    readonly earlierMessages: number;
    readonly threshold: number;
  },
): Promise<number> {
  const { conversation, earlierMessages, threshold } = options;
  const thresholdTokens = Math.floor(threshold * run.rootModel.contextWindow);
  const tokensBefore = conversationTokens(run.messages);
  const through = conversation.exchanges.length;
  const alreadySummarised = conversation.summary?.through ?? 0;
  if (tokensBefore <= thresholdTokens || through <= alreadySummarised) return earlierMessages;

  const toFold = conversation.exchanges
    .map((exchange, index) => ({ number: index + 1, exchange }))
    .slice(alreadySummarised);
  const reply = await callModel(tree, run, {
    model: run.rootModel,
    messages: [
      { role: 'system', content: COMPACTION_SYSTEM_PROMPT },
      { role: 'user', content: compactionRequest(conversation.summary?.text, toFold) },
    ],
    role: 'compaction',
    maxOutputTokens: tree.settings.maxOutputTokens,
    signal: run.signal,
  });
  conversation.summary = { text: reply.text.trim(), through };
  run.messages.splice(1, earlierMessages, {
    role: 'user',
    content: sessionSummaryMessage(through, conversation.summary.text, run.tag),
  });
  // The trajectory records what the first turn was sent.
  (run.trajectory.metadata as { initialMessages: readonly ChatMessage[] }).initialMessages = run.messages.map(
    (message) => ({
      ...message,
      content: keepText(message.content, tree.settings.maxTrajectoryTextChars, () => '').text,
    }),
  );
  const tokensAfter = conversationTokens(run.messages);
  run.emit({
    type: 'compaction',
    questions: { from: 1, to: through },
    messagesReplaced: earlierMessages,
    tokensBefore,
    tokensAfter,
    tokensSaved: tokensBefore - tokensAfter,
    thresholdTokens,
  });
  return 1;
}

import type { ChatMessage } from '../language-model/language-model';
import {
  COMPACTION_SYSTEM_PROMPT,
  compactionRequest,
  compactionRequestForTurns,
  type SessionExchange,
  sessionSummaryMessage,
  turnsSummaryNote,
} from '../prompts/session-messages';
import { CHARACTERS_PER_TOKEN, estimateTokens } from '../text/estimate-tokens';
import { truncateOutput } from '../text/truncate-output';
import { keepText } from '../trajectory/keep-text';
import { callModel } from './call-model';
import type { RunState } from './run-state';
import type { RunTree } from './run-tree';

/** Compaction starts when the conversation's estimated tokens pass this share of the root model's window. */
export const DEFAULT_COMPACTION_THRESHOLD = 0.85;

/** Share of the root model's window the text handed to the summarising call may fill. */
const COMPACTION_INPUT_SHARE = 0.6;

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
 * `messages` with each run of consecutive messages of one role joined into one, so that the roles
 * alternate as every provider accepts (a summary and the question after it become one user message).
 */
export function joinConsecutiveRoles(messages: readonly ChatMessage[]): ChatMessage[] {
  const joined: ChatMessage[] = [];
  for (const message of messages) {
    const last = joined.at(-1);
    if (last && last.role === message.role && message.role !== 'system') {
      joined[joined.length - 1] = { role: last.role, content: `${last.content}\n\n${message.content}` };
    } else {
      joined.push(message);
    }
  }
  return joined;
}

/**
 * Before a session question's first turn: when its conversation (system prompt, earlier questions,
 * the question) passes `threshold` of the root model's context window, one root-model call
 * summarises every earlier question not yet summarised (with the previous summary), and the summary
 * replaces every message between the system prompt and the question's opening message, joined to
 * the opening message. Reports a `compaction` event.
 */
export async function compactEarlierQuestions(
  tree: RunTree,
  run: RunState,
  options: {
    readonly conversation: SessionConversation;
    /** The question's opening message, as built (the last message, perhaps joined to a summary). */
    readonly opening: ChatMessage;
    readonly threshold: number;
  },
): Promise<void> {
  const { conversation, opening, threshold } = options;
  const thresholdTokens = Math.floor(threshold * run.rootModel.contextWindow);
  const tokensBefore = conversationTokens(run.messages);
  const through = conversation.exchanges.length;
  const alreadySummarised = conversation.summary?.through ?? 0;
  if (tokensBefore <= thresholdTokens || through <= alreadySummarised) return;

  const toFold = conversation.exchanges
    .map((exchange, index) => ({ number: index + 1, exchange }))
    .slice(alreadySummarised);
  const maxChars = inputBudget(run, toFold.length * 2 + 1);
  const request = compactionRequest(
    conversation.summary && truncateOutput(conversation.summary.text, maxChars),
    toFold.map(({ number, exchange }) => ({
      number,
      exchange: {
        question: truncateOutput(exchange.question, maxChars),
        answer: truncateOutput(exchange.answer, maxChars),
      },
    })),
  );
  const summary = await summarise(tree, run, request);
  conversation.summary = { text: summary, through };
  const messagesReplaced = run.messages.length - 2;
  run.messages.splice(
    1,
    run.messages.length - 1,
    ...joinConsecutiveRoles([
      { role: 'user', content: sessionSummaryMessage(through, summary, run.tag) },
      opening,
    ]),
  );
  recordInitialMessages(tree, run);
  report(run, summary, {
    beforeTurn: 1,
    scope: 'session',
    from: 1,
    to: through,
    messagesReplaced,
    tokensBefore,
    thresholdTokens,
  });
}

/** Where a question's own turns begin in `run.messages`, and the summary of those folded so far. */
export interface TurnCompactionState {
  /** Index of the question's opening user message; its turns follow it. */
  readonly openingIndex: number;
  /** The opening message as first sent, before any summary was joined to it. */
  readonly openingContent: string;
  /** The summary of turns 1..`through`, once a compaction wrote one. */
  summary: { readonly text: string; readonly through: number } | undefined;
}

/**
 * Before a turn (2 or later) of a run: when the conversation passes `threshold` of the root
 * model's window, one root-model call summarises the run's turns but the last (each reply and the
 * outputs it got), and the summary, joined to the opening message, replaces them. The last turn
 * stays whole, so the model sees its latest output as it was. Reports a `compaction` event.
 */
export async function compactEarlierTurns(
  tree: RunTree,
  run: RunState,
  options: { readonly state: TurnCompactionState; readonly threshold: number },
): Promise<void> {
  const { state, threshold } = options;
  const thresholdTokens = Math.floor(threshold * run.rootModel.contextWindow);
  const tokensBefore = conversationTokens(run.messages);
  const turnMessages = run.messages.slice(state.openingIndex + 1);
  // Turns are pairs (reply, feedback); fold all but the last pair, if there is any to fold.
  if (tokensBefore <= thresholdTokens || turnMessages.length < 4) return;
  const toFold = turnMessages.slice(0, -2);
  const firstTurn = (state.summary?.through ?? 0) + 1;
  const through = firstTurn + toFold.length / 2 - 1;
  const maxChars = inputBudget(run, toFold.length + 1);
  const request = compactionRequestForTurns(
    state.summary && truncateOutput(state.summary.text, maxChars),
    toFold.map((message) => ({ role: message.role, content: truncateOutput(message.content, maxChars) })),
    run.question,
  );
  const summary = await summarise(tree, run, request);
  state.summary = { text: summary, through };
  run.messages.splice(state.openingIndex, 1 + toFold.length, {
    role: 'user',
    content: `${state.openingContent}\n\n${turnsSummaryNote(through, summary, run.tag)}`,
  });
  report(run, summary, {
    beforeTurn: run.trajectory.iterations.length + 1,
    scope: 'run',
    from: 1,
    to: through,
    messagesReplaced: toFold.length,
    tokensBefore,
    thresholdTokens,
  });
}

/** Characters each of `parts` texts may keep in the summarising call's request. */
function inputBudget(run: RunState, parts: number): number {
  const chars = run.rootModel.contextWindow * COMPACTION_INPUT_SHARE * CHARACTERS_PER_TOKEN;
  return Math.max(200, Math.floor(chars / Math.max(1, parts)));
}

async function summarise(tree: RunTree, run: RunState, request: string): Promise<string> {
  const reply = await callModel(tree, run, {
    model: run.rootModel,
    messages: [
      { role: 'system', content: COMPACTION_SYSTEM_PROMPT },
      { role: 'user', content: request },
    ],
    role: 'compaction',
    maxOutputTokens: tree.settings.maxOutputTokens,
    signal: run.signal,
  });
  return reply.text.trim();
}

/** The trajectory records what the first turn was sent. */
function recordInitialMessages(tree: RunTree, run: RunState): void {
  (run.trajectory.metadata as { initialMessages: readonly ChatMessage[] }).initialMessages = run.messages.map(
    (message) => ({
      ...message,
      content: keepText(message.content, tree.settings.maxTrajectoryTextChars, () => '').text,
    }),
  );
}

function report(
  run: RunState,
  summary: string,
  {
    beforeTurn,
    ...fields
  }: {
    readonly beforeTurn: number;
    readonly scope: 'session' | 'run';
    readonly from: number;
    readonly to: number;
    readonly messagesReplaced: number;
    readonly tokensBefore: number;
    readonly thresholdTokens: number;
  },
): void {
  const tokensAfter = conversationTokens(run.messages);
  if (run.trajectory.session) {
    run.trajectory.session.compactions ??= [];
    run.trajectory.session.compactions.push({
      scope: fields.scope,
      beforeTurn,
      from: fields.from,
      to: fields.to,
      summary,
      tokensBefore: fields.tokensBefore,
      tokensAfter,
    });
  }
  run.emit({
    type: 'compaction',
    ...fields,
    tokensAfter,
    tokensSaved: fields.tokensBefore - tokensAfter,
  });
}

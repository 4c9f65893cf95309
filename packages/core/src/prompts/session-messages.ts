import type { ContextSummary } from '../trajectory/trajectory';
import { firstUserMessage, neutralizeNoteTag } from './loop-messages';

/** One answered question of a session, as `history` holds it. */
export interface SessionExchange {
  readonly question: string;
  readonly answer: string;
}

/** What the system prompt of a session's question adds: the REPL outlives the question. */
export function sessionSystemNote(): string {
  return `## Sessions
You may be asked several questions in a row, in one session. The REPL outlives each question: every variable, function and result you computed for an earlier question is still defined, so reuse it instead of computing it again (SHOW_VARS() lists them). \`history\` is a list of \`{ question, answer }\` of the earlier questions, in full. A later question may bring a new context as \`context_1\`, \`context_2\`, …; \`context\` stays the first one.`;
}

/** An earlier question of the session, as the root model's conversation keeps it: the user's side. */
export function earlierQuestionMessage(number: number, question: string, tag: string): string {
  return `${tag} Question ${number} of this session:\n"""\n${neutralizeNoteTag(question, tag)}\n"""`;
}

/** An earlier question's final answer, as the root model's own reply. */
export function earlierAnswerMessage(number: number, answer: string): string {
  return `My final answer to question ${number}:\n${answer}`;
}

/** What stands for the earlier questions a compaction summarised. */
export function sessionSummaryMessage(through: number, summary: string, tag: string): string {
  const questions = through === 1 ? 'question 1' : `questions 1–${through}`;
  return `${tag} A summary of ${questions} of this session and their answers (their full text is in \`history\`; the variables they made are still in the REPL):\n${neutralizeNoteTag(summary, tag)}`;
}

/**
 * The opening user message of question `number` (2 or later): the new context, if it brought one
 * (described like the first question's, under its own name), else a reminder of what is defined.
 */
export function laterQuestionMessage(options: {
  readonly number: number;
  readonly question: string;
  readonly contextNames: readonly string[];
  readonly newContext?: { readonly name: string; readonly summary: ContextSummary };
  /** Set when the REPL lost its variables during an earlier question. */
  readonly stateLost?: string;
  readonly tag: string;
}): string {
  const { number, question, contextNames, newContext, stateLost, tag } = options;
  const kept = stateLost
    ? `${tag} The REPL was restarted during an earlier question (${neutralizeNoteTag(stateLost, tag)}): the variables of the questions before that are gone; \`history\` and the contexts are back.`
    : `${tag} The REPL still holds every variable of the earlier questions (SHOW_VARS() lists them); \`history\` holds their questions and answers.`;
  const opening = `${tag} This is question ${number} of this session. Contexts defined: ${contextNames.map((name) => `\`${name}\``).join(', ')}.\n${kept}`;
  if (newContext) {
    return `${opening}\n${firstUserMessage(question, newContext.summary, tag, newContext.name)}`;
  }
  return `${opening}

${tag} The question:
"""
${neutralizeNoteTag(question, tag)}
"""

${tag} Reuse what you already computed where it answers this; explore with code what it does not.`;
}

/** The system prompt of the one call that summarises a session's earlier questions. */
export const COMPACTION_SYSTEM_PROMPT = `You condense the record of a working session in which questions are answered by writing code over a large text: earlier questions and their final answers, or the code steps of one question and what they printed. Write a short summary that keeps what the rest of the work may need: each question's gist and answer, what was found (numbers, names and lists exactly), and which variables hold what. No preamble.`;

/** What a question's opening message gains when its earlier turns were summarised. */
export function turnsSummaryNote(through: number, summary: string, tag: string): string {
  const turns = through === 1 ? 'turn 1' : `turns 1–${through}`;
  return `${tag} Your ${turns} on this question were summarised to save room (the variables they made are still in the REPL):\n${neutralizeNoteTag(summary, tag)}`;
}

/** The request of the call that summarises a question's earlier turns: the code written and what it printed. */
export function compactionRequestForTurns(
  previousSummary: string | undefined,
  messages: readonly { readonly role: string; readonly content: string }[],
  question: string,
): string {
  const earlier = previousSummary ? `Summary so far:\n${previousSummary}\n\n` : '';
  const listed = messages
    .map(
      (message) => `${message.role === 'assistant' ? 'Code step' : 'What it printed'}:\n${message.content}`,
    )
    .join('\n\n');
  return `The question being worked on:\n${question}\n\n${earlier}${listed}\n\nSummarise all of the above in one text: what was found so far (numbers exactly), which variables hold what, and what is left to do.`;
}

/** The user message of that call: the earlier summary, if any, and the questions to fold into it. */
export function compactionRequest(
  previousSummary: string | undefined,
  exchanges: readonly { readonly number: number; readonly exchange: SessionExchange }[],
): string {
  const earlier = previousSummary ? `Summary so far:\n${previousSummary}\n\n` : '';
  const listed = exchanges
    .map(
      ({ number, exchange }) =>
        `Question ${number}:\n${exchange.question}\n\nAnswer ${number}:\n${exchange.answer}`,
    )
    .join('\n\n');
  return `${earlier}${listed}\n\nSummarise all of the above in one text.`;
}

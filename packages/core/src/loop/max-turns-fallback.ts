import { LimitExceededError } from '../errors/limit-exceeded-error';
import type { ChatMessage } from '../language-model/language-model';
import { maxTurnsFallbackMessage } from '../prompts/loop-messages';
import { findFinalInProse, unquote } from '../text/find-final-in-prose';
import { callModel } from './call-model';
import { answerFromReply } from './partial-answer';
import { providerOptionsFor } from './provider-options-for';
import type { RunSession } from './run-session';
import type { RunState } from './run-state';
import type { RunTree } from './run-tree';
import { runnableBlocks } from './run-turn';

/**
 * The turns ran out without FINAL: asks the root model once for its best answer from what the
 * history holds (the reference's "default answer"). Throws `LimitExceededError` (`maxTurns`) when
 * the reply gives none.
 */
export async function askForBestAnswer(tree: RunTree, run: RunState, session: RunSession): Promise<string> {
  const { settings } = tree;
  const messages: ChatMessage[] = [
    ...run.messages,
    { role: 'user', content: maxTurnsFallbackMessage(run.question, run.tag) },
  ];
  const reply = await callModel(tree, run, {
    model: run.rootModel,
    messages,
    role: 'max-turns-fallback',
    maxOutputTokens: settings.maxOutputTokens,
    providerOptions: providerOptionsFor(settings, { depth: run.depth, role: 'root' }),
    signal: run.signal,
  });
  run.lastReply = reply.text;
  const answer = await answerOfLastReply(tree, run, session, reply.text);
  if (answer === undefined) {
    throw new LimitExceededError({
      limit: 'maxTurns',
      limitValue: settings.limits.maxTurns,
      message: `The turns ran out (limits.maxTurns: ${settings.limits.maxTurns}) before the code called FINAL, and the model's last reply gave no answer.`,
    });
  }
  return answer;
}

/**
 * The answer in the last reply: its code, if it wrote some anyway and that code calls FINAL; a
 * `FINAL(...)` line; or its prose if that answers. Nothing else is an answer.
 */
async function answerOfLastReply(
  tree: RunTree,
  run: RunState,
  session: RunSession,
  text: string,
): Promise<string | undefined> {
  const { language } = tree.settings.environment;
  for (const block of runnableBlocks(text, language)) {
    const result = await session.runCell(block.code);
    tree.throwIfStopped();
    if (result.final) {
      run.recordedFinal = result.final;
      return result.final.value;
    }
  }
  const written = findFinalInProse(text);
  if (written?.atLineStart && written.kind === 'FINAL') {
    return unquote(written.argument);
  }
  return answerFromReply(text, language);
}

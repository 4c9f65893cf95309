import { contextToText } from '../tasks/bench-instance';
import { BASE_SYSTEM_PROMPT, baseModelPrompt } from './base-model-strategy';
import { DirectCallLog } from './direct-call-log';
import { contextCharactersThatFit } from './fit-to-window';
import { describeRunError } from './outcome-of-error';
import type { Strategy, StrategyOutcome, StrategyRun } from './strategy';

/** Tokens of the window kept for the notes carried from part to part. */
const NOTES_TOKENS = 4_000;

export function summaryStepPrompt(
  question: string,
  notes: string,
  part: string,
  index: number,
  parts: number,
): string {
  return (
    `You are reading a long context in ${parts} parts to answer a question later. Question: ${question}\n\n` +
    `Your notes from the parts read so far:\n<notes>\n${notes || '(none yet)'}\n</notes>\n\n` +
    `Part ${index} of ${parts} of the context:\n<part>\n${part}\n</part>\n\n` +
    'Rewrite your notes: keep everything from the earlier notes and from this part that may help answer the question ' +
    '(exact numbers, names, ids, dates, counts so far), drop the rest, and stay under about 2,000 words. Reply with the notes only.'
  );
}

export function summaryFinalPrompt(question: string, notes: string): string {
  return `Your notes from reading the whole context:\n<notes>\n${notes}\n</notes>\n\nAnswer the question from your notes. Question: ${question}`;
}

/**
 * The paper's "summary agent": a context that fits is answered in one call; a longer one is read
 * in window-sized parts, the notes rewritten after each part (iterative summarisation), and the
 * question answered from the last notes.
 */
export const summaryAgentStrategy: Strategy = {
  name: 'summary-agent',
  async run(run: StrategyRun): Promise<StrategyOutcome> {
    const log = new DirectCallLog(run.trajectoryPath, run.meter, run.signal, {
      strategy: 'summary-agent',
      instance: run.instance.id,
      question: run.question,
    });
    const text = contextToText(run.instance.context);
    let answer: string | undefined;
    try {
      const whole = contextCharactersThatFit(
        run.model,
        BASE_SYSTEM_PROMPT + baseModelPrompt('', '', run.question),
      );
      if (text.length <= whole) {
        answer = await log.call(run.model, 'answer', [
          { role: 'system', content: BASE_SYSTEM_PROMPT },
          { role: 'user', content: baseModelPrompt(text, '', run.question) },
        ]);
      } else {
        const partCharacters = contextCharactersThatFit(
          run.model,
          summaryStepPrompt(run.question, '', '', 1, 1),
          NOTES_TOKENS,
        );
        if (partCharacters < 1_000)
          throw new Error(
            `The model's context window (${run.model.contextWindow} tokens) leaves no room for a part of the context.`,
          );
        const parts = Math.ceil(text.length / partCharacters);
        let notes = '';
        for (let index = 0; index < parts; index += 1) {
          const part = text.slice(index * partCharacters, (index + 1) * partCharacters);
          notes = await log.call(run.model, 'summarise', [
            { role: 'user', content: summaryStepPrompt(run.question, notes, part, index + 1, parts) },
          ]);
        }
        answer = await log.call(run.model, 'answer', [
          { role: 'system', content: BASE_SYSTEM_PROMPT },
          { role: 'user', content: summaryFinalPrompt(run.question, notes) },
        ]);
      }
      log.end(answer, undefined);
      return { answer, usage: log.usage };
    } catch (error) {
      const described = describeRunError(error, true);
      log.end(undefined, described.error);
      return { answer: undefined, usage: log.usage, ...described };
    }
  },
};

import { contextToText } from '../tasks/bench-instance';
import { DirectCallLog } from './direct-call-log';
import { contextCharactersThatFit, cutToWindow } from './fit-to-window';
import { describeRunError } from './outcome-of-error';
import type { Strategy, StrategyOutcome, StrategyRun } from './strategy';

export const BASE_SYSTEM_PROMPT =
  'You answer a question about a context. Read it carefully and reply with the answer only, in the form the question asks for.';

/** The whole prompt for a context text that fits. */
export function baseModelPrompt(contextText: string, note: string, question: string): string {
  return `Answer the question about the context below.\n\nContext${note}:\n<context>\n${contextText}\n</context>\n\nQuestion: ${question}`;
}

/** The paper's "base model": one call with as much of the context as fits in the model's window. */
export const baseModelStrategy: Strategy = {
  name: 'base',
  async run(run: StrategyRun): Promise<StrategyOutcome> {
    const log = new DirectCallLog(run.trajectoryPath, run.meter, run.signal, {
      strategy: 'base',
      instance: run.instance.id,
      question: run.question,
    });
    const text = contextToText(run.instance.context);
    const overhead =
      BASE_SYSTEM_PROMPT +
      baseModelPrompt(
        '',
        ' (cut to fit your context window: the first 0,000,000 of 0,000,000 characters)',
        run.question,
      );
    const cut = cutToWindow(text, contextCharactersThatFit(run.model, overhead));
    try {
      const answer = await log.call(run.model, 'base', [
        { role: 'system', content: BASE_SYSTEM_PROMPT },
        { role: 'user', content: baseModelPrompt(cut.text, cut.note, run.question) },
      ]);
      log.end(answer, undefined);
      return { answer, usage: log.usage };
    } catch (error) {
      const described = describeRunError(error, true);
      log.end(undefined, described.error);
      return { answer: undefined, usage: log.usage, ...described };
    }
  },
};

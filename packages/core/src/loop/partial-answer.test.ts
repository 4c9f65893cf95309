import { describe, expect, it } from 'vitest';
import { answerFromReply } from './partial-answer';

const fence = '```';

describe('a partial answer is something that answers (issue 13)', () => {
  it('takes plain prose that answers', () => {
    expect(answerFromReply('There are 3 disk errors and 1 network error.', 'javascript')).toBe(
      'There are 3 disk errors and 1 network error.',
    );
    expect(answerFromReply('  My best answer is 3.\n', 'javascript')).toBe('My best answer is 3.');
  });

  it('refuses the prose of a reply that has code to run: it is a plan, not an answer', () => {
    expect(
      answerFromReply(
        `The errors are mostly disk errors.\n${fence}javascript\nconsole.log(context.length)\n${fence}`,
        'javascript',
      ),
    ).toBeUndefined();
  });

  it('refuses chatter that plans the next step', () => {
    for (const chatter of [
      "I'll ask a sub-model about every package.json.",
      'I will count the errors first.',
      'Let me look at the context first.',
      "Let's split the log by hour.",
      'Now classify every ERROR line with the sub-model and count the labels.',
      'First, I need to see the files.',
    ]) {
      expect(answerFromReply(chatter, 'javascript'), chatter).toBeUndefined();
    }
  });

  it('refuses a fenced block, and FINAL(...) written as code that never ran', () => {
    expect(answerFromReply(`${fence}python\nprint(1)\n${fence}`, 'javascript')).toBeUndefined();
    expect(answerFromReply(`${fence}js\nFINAL(summary)\n${fence}`, 'javascript')).toBeUndefined();
    expect(answerFromReply(`${fence}\nFINAL("x")\n${fence}`, 'javascript')).toBeUndefined();
    expect(answerFromReply('FINAL_VAR(summary)', 'javascript')).toBeUndefined();
    expect(answerFromReply('', 'javascript')).toBeUndefined();
    expect(answerFromReply(undefined, 'javascript')).toBeUndefined();
  });

  it('keeps the prose around a fence of another language when it answers', () => {
    expect(answerFromReply(`Three errors, all disk.\n${fence}text\nERROR disk\n${fence}`, 'javascript')).toBe(
      'Three errors, all disk.',
    );
  });
});

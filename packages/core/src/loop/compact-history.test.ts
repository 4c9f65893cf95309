import { describe, expect, it } from 'vitest';
import { conversationTokens, joinConsecutiveRoles } from './compact-history';

describe('joinConsecutiveRoles', () => {
  it('joins runs of one role so that roles alternate, and leaves the system prompt alone', () => {
    expect(
      joinConsecutiveRoles([
        { role: 'system', content: 's' },
        { role: 'user', content: 'summary' },
        { role: 'user', content: 'question' },
        { role: 'assistant', content: 'a' },
        { role: 'user', content: 'b' },
      ]),
    ).toEqual([
      { role: 'system', content: 's' },
      { role: 'user', content: 'summary\n\nquestion' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: 'b' },
    ]);
  });

  it('estimates a conversation as the sum of its messages', () => {
    expect(
      conversationTokens([
        { role: 'user', content: 'x'.repeat(40) },
        { role: 'assistant', content: 'y'.repeat(4) },
      ]),
    ).toBe(11);
  });
});

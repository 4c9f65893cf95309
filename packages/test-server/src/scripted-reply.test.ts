import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { assertScriptedReply } from './scripted-reply';

function problem(reply: unknown): string {
  try {
    assertScriptedReply(reply, 'replies[0]');
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('replies[0]');
    return (error as Error).message;
  }
  throw new Error('expected the reply to be refused');
}

describe('assertScriptedReply', () => {
  it('accepts every documented shape', () => {
    const replies = [
      { text: '' },
      {
        text: 'full',
        usage: {
          inputTokens: 10,
          outputTokens: 5,
          cachedInputTokens: 6,
          cacheWriteInputTokens: 4,
          reasoningTokens: 5,
        },
        finishReason: 'length',
        delayMs: 1,
        reasoningText: 'hm',
        chunkDelayMs: 2,
      },
      { fault: 'rate-limit' },
      { fault: 'rate-limit', retryAfterSeconds: 0 },
      { fault: 'server-error', status: 529 },
      { fault: 'invalid-key' },
      { fault: 'model-not-found' },
      { fault: 'context-length', contextWindow: 10, promptTokens: 11 },
      { fault: 'malformed-json' },
      { fault: 'slow-first-byte', delayMs: 5, then: { fault: 'drop-connection', afterBytes: 3 } },
    ];
    for (const reply of replies) expect(() => assertScriptedReply(reply, 'r')).not.toThrow();
  });

  it('names what is wrong', () => {
    expect(problem('hello')).toBe(
      "replies[0] is not a valid scripted reply: expected an object, got \"hello\". Use { text: '…' } or { fault: 'rate-limit' | 'server-error' | 'invalid-key' | 'model-not-found' | 'context-length' | 'malformed-json' | 'slow-first-byte' | 'drop-connection' }.",
    );
    expect(problem({ fault: 'timeout' })).toContain('unknown fault "timeout"');
    expect(problem({ text: 5 })).toContain('text must be a string, got 5');
    expect(problem({ text: 'x', finishReason: 'end_turn' })).toContain(
      `finishReason must be 'stop' or 'length', got "end_turn"`,
    );
    expect(problem({ text: 'x', delayMs: -1 })).toContain('delayMs must be a non-negative integer, got -1');
    expect(problem({ text: 'x', usage: { inputTokens: 1 } })).toContain('usage.outputTokens is required');
    expect(problem({ fault: 'slow-first-byte' })).toContain('slow-first-byte needs delayMs');
    expect(problem({ fault: 'drop-connection', afterBytes: 1.5 })).toContain(
      'afterBytes must be a non-negative integer',
    );
  });

  it('checks the usage convention: inputTokens includes cached and cache-write tokens', () => {
    expect(
      problem({
        text: 'x',
        usage: { inputTokens: 10, outputTokens: 1, cachedInputTokens: 8, cacheWriteInputTokens: 5 },
      }),
    ).toContain('usage.inputTokens (10) must include cachedInputTokens + cacheWriteInputTokens (13)');
    expect(problem({ text: 'x', usage: { inputTokens: 10, outputTokens: 1, reasoningTokens: 2 } })).toContain(
      'usage.outputTokens (1) must include reasoningTokens (2)',
    );
  });

  it('checks the reply inside slow-first-byte', () => {
    expect(() =>
      assertScriptedReply({ fault: 'slow-first-byte', delayMs: 1, then: { txt: 'x' } }, 'r'),
    ).toThrow('r.then is not a valid scripted reply: text must be a string, got undefined.');
  });
});

import type { ChatMessage } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { toAnthropicPrompt } from './anthropic-prompt';

const cache = { type: 'ephemeral' } as const;

describe('toAnthropicPrompt', () => {
  it('moves the system message into the system field and keeps the rest in order', () => {
    const prompt = toAnthropicPrompt([
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ]);
    expect(prompt).toEqual({
      system: 'rules',
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ],
    });
  });

  it('leaves out the system field when there is no system message', () => {
    expect(toAnthropicPrompt([{ role: 'user', content: 'hi' }])).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('turn 1: marks the system prompt and the first user message', () => {
    const prompt = toAnthropicPrompt(
      [
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'question' },
      ],
      cache,
    );
    expect(prompt).toEqual({
      system: [{ type: 'text', text: 'rules', cache_control: cache }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'question', cache_control: cache }] }],
    });
  });

  it("turn 3: marks the system prompt, the previous turn's last user message and the last message — 3 breakpoints", () => {
    const history: ChatMessage[] = [
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'question' },
      { role: 'assistant', content: 'code 1' },
      { role: 'user', content: 'output 1' },
      { role: 'assistant', content: 'code 2' },
      { role: 'user', content: 'output 2' },
    ];
    const prompt = toAnthropicPrompt(history, { type: 'ephemeral', ttl: '1h' });
    const marked = { type: 'ephemeral', ttl: '1h' };
    expect(prompt.system).toEqual([{ type: 'text', text: 'rules', cache_control: marked }]);
    expect(prompt.messages).toEqual([
      { role: 'user', content: 'question' },
      { role: 'assistant', content: 'code 1' },
      { role: 'user', content: [{ type: 'text', text: 'output 1', cache_control: marked }] },
      { role: 'assistant', content: 'code 2' },
      { role: 'user', content: [{ type: 'text', text: 'output 2', cache_control: marked }] },
    ]);
    expect(JSON.stringify(prompt).match(/cache_control/g)).toHaveLength(3);
  });

  it('gathers several system messages into system blocks and marks only the last', () => {
    const prompt = toAnthropicPrompt(
      [
        { role: 'system', content: 'one' },
        { role: 'user', content: 'q' },
        { role: 'system', content: 'two' },
      ],
      cache,
    );
    expect(prompt.system).toEqual([
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two', cache_control: cache },
    ]);
    expect(
      toAnthropicPrompt([
        { role: 'system', content: 'one' },
        { role: 'system', content: 'two' },
      ]).system,
    ).toBe('one\n\ntwo');
  });

  it('never marks an empty text (the API rejects empty blocks)', () => {
    const prompt = toAnthropicPrompt(
      [
        { role: 'system', content: '' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '' },
        { role: 'user', content: '' },
      ],
      cache,
    );
    expect(prompt).toEqual({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q', cache_control: cache }] },
        { role: 'assistant', content: '' },
        { role: 'user', content: '' },
      ],
    });
  });
});

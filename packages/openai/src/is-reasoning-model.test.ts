import { describe, expect, it } from 'vitest';
import { isReasoningModel } from './is-reasoning-model';

describe('isReasoningModel', () => {
  it.each([
    ['o1', true],
    ['o3-mini', true],
    ['o4-mini-2025-04-16', true],
    ['gpt-5', true],
    ['gpt-5-mini', true],
    ['gpt-5.1', true],
    ['gpt-6-sol', true],
    ['gpt-6.2-astra', true],
    ['openai/gpt-5-mini', true],
    ['GPT-5-NANO', true],
    ['gpt-5-chat-latest', false],
    ['gpt-4.1', false],
    ['gpt-4o-mini', false],
    ['gpt-3.5-turbo', false],
    ['Qwen/Qwen3-Coder-30B', false],
    ['llama3.1:8b', false],
    ['gpt-oss-120b', false],
  ])('%s → %s', (modelId, expected) => {
    expect(isReasoningModel(modelId)).toBe(expected);
  });
});

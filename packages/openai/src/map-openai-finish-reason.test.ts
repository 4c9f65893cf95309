import { describe, expect, it } from 'vitest';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';

describe('mapOpenAIFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'other'],
    [null, undefined],
  ] as const)('%s → %s', (wire, expected) => {
    expect(mapOpenAIFinishReason(wire)).toBe(expected);
  });
});

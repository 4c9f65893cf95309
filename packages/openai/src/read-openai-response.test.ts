import { APICallError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import type { OpenAIRequestContext } from './openai-request-context';
import { readOpenAIResponse } from './read-openai-response';

const context: OpenAIRequestContext = {
  provider: 'vllm',
  modelId: 'm',
  baseURL: 'http://localhost:8000/v1',
  isOpenAIHost: false,
  apiKeySource: 'option',
  contextWindow: 1000,
  timeoutMs: 1000,
};

describe('readOpenAIResponse', () => {
  it('joins content given as text parts, and falls back to a refusal', () => {
    const parts = readOpenAIResponse(
      {
        choices: [
          {
            message: {
              content: [
                { type: 'text', text: 'a' },
                { type: 'text', text: 'b' },
              ],
            },
          },
        ],
      },
      context,
    );
    expect(parts.text).toBe('ab');
    const refusal = readOpenAIResponse(
      {
        choices: [{ message: { content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }],
      },
      context,
    );
    expect(refusal.text).toBe('I cannot help with that.');
    expect(refusal.finishReason).toBe('stop');
    expect(refusal.usage).toBeUndefined();
  });

  it('refuses bodies that are not chat completions, quoting them', () => {
    expect(() => readOpenAIResponse('<html>Not Found</html>', context)).toThrow(
      'The server at http://localhost:8000/v1 answered a body that is not JSON ("<html>Not Found</html>"): that is not an OpenAI Chat Completions response.',
    );
    const error = (() => {
      try {
        readOpenAIResponse({ object: 'list', data: [] }, context);
      } catch (caught) {
        return caught;
      }
    })();
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).message).toContain('answered JSON without choices');
    expect((error as APICallError).responseBody).toBe('{"object":"list","data":[]}');
    expect((error as APICallError).isRetryable).toBe(false);
  });
});

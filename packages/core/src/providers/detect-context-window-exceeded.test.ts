import { describe, expect, it } from 'vitest';
import { detectContextWindowExceeded } from './detect-context-window-exceeded';

describe('detectContextWindowExceeded', () => {
  it("reads OpenAI's context_length_exceeded", () => {
    expect(
      detectContextWindowExceeded(400, {
        code: 'context_length_exceeded',
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130415 tokens. Please reduce the length of the messages.",
      }),
    ).toEqual({ contextWindow: 128_000, promptTokens: 130_415 });
  });

  it.each([
    [
      'vLLM (requested)',
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
      { contextWindow: 4096, promptTokens: 5000 },
    ],
    [
      'vLLM (request has)',
      "'max_tokens' or 'max_completion_tokens' is too large: 1000. This model's maximum context length is 4096 tokens and your request has 3500 input tokens (1000 > 4096 - 3500).",
      { contextWindow: 4096, promptTokens: 3500 },
    ],
    [
      'vLLM (decoder prompt)',
      'The decoder prompt (length 5000) is longer than the maximum model length of 4096. Make sure that `max_model_len` is no smaller than the number of text tokens.',
      { contextWindow: 4096, promptTokens: 5000 },
    ],
    [
      'Anthropic',
      'prompt is too long: 210000 tokens > 200000 maximum',
      { contextWindow: 200_000, promptTokens: 210_000 },
    ],
    ['llama.cpp', 'the request exceeds the available context size, try increasing it', {}],
    ['Ollama', 'input length exceeds maximum context length', {}],
    [
      'LM Studio',
      'Trying to keep the first 5203 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough.',
      { contextWindow: 4096 },
    ],
    [
      'OpenRouter',
      "This endpoint's maximum context length is 131,072 tokens. However, you requested about 150,000 tokens (149,000 of text input, 1,000 in the output).",
      { contextWindow: 131_072, promptTokens: 150_000 },
    ],
  ])('reads %s', (_server, message, expected) => {
    expect(detectContextWindowExceeded(400, { message })).toEqual(expected);
  });

  it('reads 413 and 422 as well as 400; no other status', () => {
    const message = 'prompt too long; exceeded max context length by 12 tokens';
    expect(detectContextWindowExceeded(413, { message })).toStrictEqual({});
    expect(detectContextWindowExceeded(422, { message })).toStrictEqual({});
    for (const status of [401, 404, 429])
      expect(detectContextWindowExceeded(status, { message })).toBeUndefined();
  });

  it('a code or type alone says so, whatever the message', () => {
    expect(
      detectContextWindowExceeded(400, { code: 'context_length_exceeded', message: 'Bad request' }),
    ).toStrictEqual({});
    expect(
      detectContextWindowExceeded(400, { type: 'exceed_context_size_error', message: 'Bad request' }),
    ).toStrictEqual({});
  });

  it('reads the numbers across any run of spaces or line breaks, "about" included', () => {
    expect(
      detectContextWindowExceeded(400, {
        message: 'maximum context length is\n  about  8,192 tokens; you requested  about \t9,000 tokens',
      }),
    ).toStrictEqual({ contextWindow: 8_192, promptTokens: 9_000 });
  });

  it('gives only the numbers it found', () => {
    expect(
      detectContextWindowExceeded(400, { message: "This model's maximum context length is 4096 tokens." }),
    ).toStrictEqual({ contextWindow: 4096 });
    expect(
      detectContextWindowExceeded(400, { message: 'Prompt is too long: you requested 5000 tokens.' }),
    ).toStrictEqual({ promptTokens: 5000 });
  });

  it('ignores other errors and other statuses', () => {
    expect(
      detectContextWindowExceeded(400, { message: "Unsupported parameter: 'max_tokens'" }),
    ).toBeUndefined();
    expect(
      detectContextWindowExceeded(500, { message: 'maximum context length is 4096 tokens' }),
    ).toBeUndefined();
  });
});

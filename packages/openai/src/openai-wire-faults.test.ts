import { type APICallError, ContextWindowExceededError, RateLimitError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { createOpenAI } from './openai-provider';
import { failureOf } from './openai-test-fixture';

const messages = [{ role: 'user', content: 'hello' }] as const;

describe('error bodies the test server does not produce (answered by a fetch, at the wire level)', () => {
  function answering(status: number, body: string, headers: Record<string, string> = {}) {
    const requests: string[] = [];
    const fetchFunction: typeof fetch = async (input) => {
      requests.push(String(input));
      return new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });
    };
    return { requests, fetchFunction };
  }

  it('429 insufficient_quota → RateLimitError that is not retried and says to check billing', async () => {
    const { requests, fetchFunction } = answering(
      429,
      JSON.stringify({
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      }),
    );
    const error = await failureOf(
      createOpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', fetch: fetchFunction })(
        'gpt-4.1',
      ).doGenerate({
        messages,
      }),
    );
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).isRetryable).toBe(false);
    expect((error as Error).message).toContain('out of quota');
    expect(requests).toHaveLength(1);
  });

  it("keeps the message of servers that put it at the top level (older vLLM's { object: 'error', message })", async () => {
    const body = JSON.stringify({
      object: 'error',
      message:
        "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens (8000 in the messages, 1000 in the completion).",
      type: 'BadRequestError',
      param: null,
      code: 400,
    });
    const { fetchFunction } = answering(400, body);
    const error = await failureOf(
      createOpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none', fetch: fetchFunction })(
        'qwen',
      ).doGenerate({
        messages,
      }),
    );
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect((error as ContextWindowExceededError).contextWindow).toBe(8192);
    expect((error as ContextWindowExceededError).promptTokens).toBe(9000);
  });

  it("keeps Ollama's { error: string } and FastAPI's { detail } messages, with the raw body", async () => {
    const ollama = answering(400, JSON.stringify({ error: 'invalid temperature value' }));
    const fromOllama = await failureOf(
      createOpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none', fetch: ollama.fetchFunction })(
        'llama3',
        {
          temperature: 9,
        },
      ).doGenerate({ messages }),
    );
    expect((fromOllama as Error).message).toBe(
      'The server at http://127.0.0.1:9/v1 rejected the request (400: invalid temperature value). ' +
        'Check the temperature setting: reasoning models accept only the default.',
    );
    expect((fromOllama as APICallError).responseBody).toBe('{"error":"invalid temperature value"}');
    const fastapi = answering(422, JSON.stringify({ detail: 'Field required: messages' }));
    const fromFastAPI = await failureOf(
      createOpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'none', fetch: fastapi.fetchFunction })(
        'm',
      ).doGenerate({ messages }),
    );
    expect((fromFastAPI as Error).message).toContain('(422: Field required: messages)');
  });

  it('says to set reasoningModel when OpenAI refuses max_tokens', async () => {
    const { fetchFunction } = answering(
      400,
      JSON.stringify({
        error: {
          message:
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          type: 'invalid_request_error',
          param: 'max_tokens',
          code: 'unsupported_parameter',
        },
      }),
    );
    const error = await failureOf(
      createOpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', fetch: fetchFunction })(
        'new-reasoner',
      ).doGenerate({
        messages,
        maxOutputTokens: 10,
      }),
    );
    expect((error as APICallError).isRetryable).toBe(false);
    expect((error as Error).message).toContain('Set { reasoningModel: true } on the model');
  });
});

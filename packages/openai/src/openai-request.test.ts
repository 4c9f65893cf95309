import { InvalidArgumentError } from '@rlm/core';
import { describe, expect, it } from 'vitest';
import { createOpenAI } from './openai-provider';
import { startServer } from './openai-test-fixture';

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'hello' },
] as const;

describe('the request OpenAILanguageModel sends', () => {
  it('posts model and messages to /v1/chat/completions with the key as a bearer token', async () => {
    const server = await startServer({ replies: [{ text: 'hi' }] });
    await createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-test' })('gpt-4.1').doGenerate({
      messages,
    });
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello' },
      ],
    });
  });

  it('sends max_tokens to non-reasoning models and max_completion_tokens to reasoning models, unless overridden', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' });
    await provider('gpt-4o-mini').doGenerate({ messages, maxOutputTokens: 50 });
    await provider('gpt-5-mini').doGenerate({ messages, maxOutputTokens: 60 });
    await provider('o4-mini', { maxOutputTokens: 70 }).doGenerate({ messages });
    await provider('gpt-5-mini', { reasoningModel: false }).doGenerate({ messages, maxOutputTokens: 80 });
    await provider('my-local-thinker', { reasoningModel: true }).doGenerate({
      messages,
      maxOutputTokens: 90,
    });
    const caps = server.requests.map((request) => [
      request.body.max_tokens,
      request.body.max_completion_tokens,
    ]);
    expect(caps).toEqual([
      [50, undefined],
      [undefined, 60],
      [undefined, 70],
      [80, undefined],
      [undefined, 90],
    ]);
    expect(server.requests.map((request) => request.maxOutputTokens)).toEqual([50, 60, 70, 80, 90]);
  });

  it('prefers the call’s maxOutputTokens over the model’s default', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1', {
      maxOutputTokens: 1000,
    });
    await model.doGenerate({ messages });
    await model.doGenerate({ messages, maxOutputTokens: 10 });
    expect(server.requests.map((request) => request.body.max_tokens)).toEqual([1000, 10]);
  });

  it('sends temperature and reasoning_effort only when set, and lets a call override the effort', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' });
    await provider('gpt-5-mini').doGenerate({ messages });
    await provider('gpt-5-mini', { reasoningEffort: 'minimal' }).doGenerate({ messages });
    await provider('gpt-5-mini', { reasoningEffort: 'minimal' }).doGenerate({
      messages,
      providerOptions: { openai: { reasoningEffort: 'high' }, anthropic: { thinking: true } },
    });
    await provider('gpt-4.1', { temperature: 0 }).doGenerate({ messages });
    const [plain, minimal, high, cold] = server.requests.map((request) => request.body);
    expect(plain).not.toHaveProperty('reasoning_effort');
    expect(plain).not.toHaveProperty('temperature');
    expect(minimal.reasoning_effort).toBe('minimal');
    expect(high.reasoning_effort).toBe('high');
    expect(high).not.toHaveProperty('thinking');
    expect(cold.temperature).toBe(0);
  });

  it('a call’s temperature and reasoningEffort replace the model’s, so root and sub-calls can differ', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' });
    const model = provider('gpt-4.1', { temperature: 0.7 });
    await model.doGenerate({ messages, providerOptions: { openai: { temperature: 0 } } });
    await model.doGenerate({ messages });
    const reasoning = provider('gpt-5-mini', { reasoningEffort: 'high' });
    await reasoning.doGenerate({ messages, providerOptions: { openai: { reasoning_effort: 'minimal' } } });
    await reasoning.doGenerate({ messages, providerOptions: { openai: { reasoningEffort: 'low' } } });
    expect(server.requests.map((request) => request.body.temperature)).toEqual([
      0,
      0.7,
      undefined,
      undefined,
    ]);
    expect(server.requests.map((request) => request.body.reasoning_effort)).toEqual([
      undefined,
      undefined,
      'minimal',
      'low',
    ]);
    expect(server.requests[3]!.body).not.toHaveProperty('reasoningEffort');
  });

  it('merges extraBody and the call’s provider options into the body, the provider’s own name last', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const vllm = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'none', name: 'vllm' });
    const model = vllm('Qwen/Qwen3-Coder-30B', { extraBody: { top_k: 20, repetition_penalty: 1.05 } });
    await model.doGenerate({
      messages,
      providerOptions: {
        openai: { top_k: 40, seed: 7 },
        vllm: { chat_template_kwargs: { enable_thinking: false }, seed: 8 },
      },
    });
    expect(server.requests[0]!.body).toEqual({
      model: 'Qwen/Qwen3-Coder-30B',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello' },
      ],
      top_k: 40,
      repetition_penalty: 1.05,
      seed: 8,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(model.provider).toBe('vllm');
  });

  it('refuses provider options that would replace the stream flag, before sending', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1');
    await expect(
      model.doGenerate({ messages, providerOptions: { openai: { stream: true } } }),
    ).rejects.toThrow(InvalidArgumentError);
    expect(server.requests).toHaveLength(0);
  });

  it('streams with stream_options.include_usage', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    await createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1', {
      stream: true,
    }).doGenerate({
      messages,
    });
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(server.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it('sends organization, project and custom headers', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const provider = createOpenAI({
      baseURL: server.openaiBaseURL,
      apiKey: 'k',
      organization: 'org-123',
      project: 'proj_456',
      headers: { 'HTTP-Referer': 'https://example.com', 'X-Title': 'rlm tests' },
    });
    await provider('gpt-4.1').doGenerate({ messages });
    const headers = server.requests[0]!.headers;
    expect(headers['openai-organization']).toBe('org-123');
    expect(headers['openai-project']).toBe('proj_456');
    expect(headers['http-referer']).toBe('https://example.com');
    expect(headers['x-title']).toBe('rlm tests');
  });

  it('uses a custom fetch', async () => {
    const server = await startServer({ respond: () => ({ text: 'ok' }) });
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    await createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', fetch: recordingFetch })(
      'gpt-4.1',
    ).doGenerate({
      messages,
    });
    expect(seen).toEqual([`${server.openaiBaseURL}/chat/completions`]);
  });
});

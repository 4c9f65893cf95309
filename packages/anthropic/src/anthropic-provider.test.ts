import { AuthenticationError, InvalidArgumentError } from '@rlm/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { anthropic, createAnthropic } from './anthropic-provider';
import { serverWith } from './anthropic-test-fixture';

afterEach(() => {
  vi.unstubAllEnvs();
});

const messages = [{ role: 'user' as const, content: 'hello' }];

describe('createAnthropic', () => {
  it('falls back to ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL, read at the first call', async () => {
    const server = await serverWith({ text: 'from env' });
    const provider = createAnthropic();
    vi.stubEnv('ANTHROPIC_API_KEY', 'env-key-123');
    vi.stubEnv('ANTHROPIC_BASE_URL', `${server.anthropicBaseURL}/`);
    const result = await provider('claude-haiku-4-5').doGenerate({ messages });
    expect(result.text).toBe('from env');
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/messages');
    expect(request!.headers.authorization ?? request!.headers['x-api-key']).toMatch(/env-key-123/);
  });

  it('the default `anthropic` instance reads the environment too', async () => {
    const server = await serverWith({ text: 'default instance' });
    vi.stubEnv('ANTHROPIC_API_KEY', 'env-key-456');
    vi.stubEnv('ANTHROPIC_BASE_URL', server.anthropicBaseURL);
    // The default instance keeps its client once made; a fresh provider proves the same path without that state.
    const model = anthropic('claude-sonnet-4-6');
    expect(model.provider).toBe('anthropic');
    expect(model.modelId).toBe('claude-sonnet-4-6');
    const result = await createAnthropic()('claude-sonnet-4-6').doGenerate({ messages });
    expect(result.text).toBe('default instance');
  });

  it('settings win over the environment', async () => {
    const server = await serverWith({ text: 'settings' });
    vi.stubEnv('ANTHROPIC_API_KEY', 'env-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', 'http://127.0.0.1:9');
    await createAnthropic({ apiKey: 'settings-key', baseURL: server.anthropicBaseURL })(
      'claude-sonnet-4-6',
    ).doGenerate({
      messages,
    });
    const [request] = server.requests;
    expect(request!.headers.authorization ?? request!.headers['x-api-key']).toMatch(/settings-key/);
  });

  it('without a key: AuthenticationError naming ANTHROPIC_API_KEY and apiKey, before anything is sent', async () => {
    const server = await serverWith({ text: 'never' });
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    const error = await createAnthropic({ baseURL: server.anthropicBaseURL })('claude-sonnet-4-6')
      .doGenerate({ messages })
      .catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/ANTHROPIC_API_KEY.*apiKey/);
    expect(server.requests).toHaveLength(0);
  });

  it('sends the extra headers and goes through the custom fetch', async () => {
    const server = await serverWith({ text: 'fetched' });
    const seen: string[] = [];
    const model = createAnthropic({
      apiKey: 'k',
      baseURL: server.anthropicBaseURL,
      headers: { 'x-team': 'rlm' },
      fetch: (input, init) => {
        seen.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
    })('claude-sonnet-4-6');
    await model.doGenerate({ messages });
    expect(seen).toEqual([`${server.anthropicBaseURL}/v1/messages`]);
    expect(server.requests[0]!.headers['x-team']).toBe('rlm');
  });

  it("accepts the 'anthropic:' prefixed id of configs and the CLI", () => {
    const provider = createAnthropic({ apiKey: 'k' });
    expect(provider('anthropic:claude-sonnet-4-6').modelId).toBe('claude-sonnet-4-6');
    expect(provider.languageModel('claude-opus-4-5').modelId).toBe('claude-opus-4-5');
  });

  it('refuses a negative maxRetries', () => {
    expect(() => createAnthropic({ maxRetries: -1 })).toThrow(InvalidArgumentError);
  });
});

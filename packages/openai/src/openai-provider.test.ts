import { AuthenticationError, InvalidArgumentError } from '@rlm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAI, openai } from './openai-provider';
import { redirectOpenAITo, startServer } from './openai-test-fixture';

const messages = [{ role: 'user', content: 'hello' }] as const;
const environmentNames = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID'] as const;
let savedEnvironment: Record<string, string | undefined> = {};

beforeEach(() => {
  savedEnvironment = Object.fromEntries(environmentNames.map((name) => [name, process.env[name]]));
  for (const name of environmentNames) delete process.env[name];
});

afterEach(() => {
  for (const name of environmentNames) {
    const value = savedEnvironment[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('createOpenAI', () => {
  it('makes models that declare the v1 contract, provider and model id', () => {
    const model = openai('gpt-5-mini');
    expect(model.specificationVersion).toBe('v1');
    expect(model.provider).toBe('openai');
    expect(model.modelId).toBe('gpt-5-mini');
    expect(openai.providerId).toBe('openai');
    expect(openai.languageModel('o3').modelId).toBe('o3');
    expect(createOpenAI({ name: 'openrouter' })('openai/gpt-5-mini').provider).toBe('openrouter');
  });

  it('knows context windows, takes an override, and uses a settable default for unknown models', () => {
    expect(openai('gpt-4.1').contextWindow).toBe(1_047_576);
    expect(openai('gpt-5-mini-2025-08-07').contextWindow).toBe(400_000);
    expect(openai('gpt-4.1', { contextWindow: 200_000 }).contextWindow).toBe(200_000);
    expect(openai('llama3.1:8b').contextWindow).toBe(128_000);
    expect(createOpenAI({ defaultContextWindow: 32_768 })('llama3.1:8b').contextWindow).toBe(32_768);
  });

  it('knows prices, and takes the user’s', () => {
    expect(openai('gpt-5-nano').pricing).toEqual({
      inputPerMillion: 0.05,
      cachedInputPerMillion: 0.005,
      outputPerMillion: 0.4,
    });
    expect(openai('unknown-model').pricing).toBeUndefined();
    const mine = { inputPerMillion: 1, outputPerMillion: 2 };
    expect(openai('gpt-6-sol', { pricing: mine }).pricing).toBe(mine);
    // The catalog's long-context tier belongs to the catalog's prices, not to the user's.
    expect(openai('gpt-6-sol', { pricing: mine }).longContextPricing).toBeUndefined();
  });

  it('refuses bad settings with the name of the setting', () => {
    expect(() => createOpenAI({ maxRetries: -1 })).toThrow(InvalidArgumentError);
    expect(() => createOpenAI({ maxRetries: 1.5 })).toThrow(
      /maxRetries must be an integer of at least 0; got 1.5/,
    );
    expect(() => createOpenAI({ timeout: 0 })).toThrow(/timeout must be a number greater than 0/);
    expect(() => createOpenAI({ name: ' ' })).toThrow(/name must be a non-empty provider id/);
    expect(() => openai('')).toThrow(/model id must be a non-empty string/);
    expect(() => openai('gpt-4.1', { contextWindow: 0 })).toThrow(
      /contextWindow must be an integer of at least 1/,
    );
    expect(() => openai('gpt-4.1', { maxOutputTokens: 2.5 })).toThrow(/maxOutputTokens must be an integer/);
    expect(() => openai('gpt-4.1', { temperature: Number.NaN })).toThrow(
      /temperature must be a finite number/,
    );
  });

  it('refuses a base URL that is not a URL at the first call', async () => {
    await expect(
      createOpenAI({ baseURL: 'localhost:8000', apiKey: 'x' })('m').doGenerate({ messages }),
    ).rejects.toThrow(
      /baseURL 'localhost:8000' is not an http\(s\) URL\. Pass one like 'http:\/\/localhost:8000\/v1'\./,
    );
  });
});

describe('keys and base URLs from the environment', () => {
  it('reads OPENAI_API_KEY at the first call, not at import', async () => {
    const server = await startServer({ replies: [{ text: 'ok' }] });
    const model = createOpenAI({ fetch: redirectOpenAITo(server) })('gpt-5-mini');
    process.env.OPENAI_API_KEY = 'sk-set-later';
    await model.doGenerate({ messages });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-set-later');
  });

  it('uses OPENAI_BASE_URL with OPENAI_API_KEY', async () => {
    const server = await startServer({ replies: [{ text: 'from env' }] });
    process.env.OPENAI_BASE_URL = server.openaiBaseURL;
    process.env.OPENAI_API_KEY = 'sk-env';
    const result = await createOpenAI()('gpt-4.1').doGenerate({ messages });
    expect(result.text).toBe('from env');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-env');
  });

  it('lets options win over the environment', async () => {
    const server = await startServer({ replies: [{ text: 'ok' }] });
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
    process.env.OPENAI_API_KEY = 'sk-env';
    await createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-option' })('gpt-4.1').doGenerate({
      messages,
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-option');
  });

  it('reads OPENAI_ORG_ID and OPENAI_PROJECT_ID through the SDK', async () => {
    const server = await startServer({ replies: [{ text: 'ok' }] });
    process.env.OPENAI_ORG_ID = 'org-env';
    process.env.OPENAI_PROJECT_ID = 'proj-env';
    await createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k' })('gpt-4.1').doGenerate({ messages });
    expect(server.requests[0]!.headers['openai-organization']).toBe('org-env');
    expect(server.requests[0]!.headers['openai-project']).toBe('proj-env');
  });

  it('never sends OPENAI_API_KEY to a base URL given in code, and says to pass apiKey: none', async () => {
    const server = await startServer({ replies: [{ text: 'unused' }] });
    process.env.OPENAI_API_KEY = 'sk-secret';
    const error = await createOpenAI({ baseURL: server.openaiBaseURL })('Qwen/Qwen3-Coder-30B')
      .doGenerate({ messages })
      .catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `No API key for the server at ${server.openaiBaseURL}. Pass createOpenAI({ baseURL, apiKey }); ` +
        "if the server needs none (vLLM, Ollama and LM Studio usually don't), pass apiKey: 'none'. " +
        'OPENAI_API_KEY is not sent to a base URL given in code.',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('without any key for OpenAI, names OPENAI_API_KEY and sends nothing', async () => {
    const server = await startServer({ replies: [{ text: 'unused' }] });
    const model = createOpenAI({ fetch: redirectOpenAITo(server) })('gpt-5-mini');
    const error = await model.doGenerate({ messages }).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as AuthenticationError).isRetryable).toBe(false);
    expect((error as Error).message).toBe(
      'No OpenAI API key. Set the OPENAI_API_KEY environment variable, or pass createOpenAI({ apiKey }).',
    );
    expect(server.requests).toHaveLength(0);
    // Fixing the environment and calling again works: the failure was not cached.
    process.env.OPENAI_API_KEY = 'sk-now';
    await model.doGenerate({ messages });
    expect(server.requests).toHaveLength(1);
  });
});

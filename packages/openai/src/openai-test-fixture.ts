import {
  type ScriptedReply,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '@rlm/test-server';
import { onTestFinished } from 'vitest';
import { OPENAI_BASE_URL } from './openai-connection';
import type { OpenAIModelId } from './openai-model-catalog';
import type { OpenAIModelSettings } from './openai-model-settings';
import { createOpenAI } from './openai-provider';
import type { OpenAIProviderSettings } from './openai-provider-settings';

// Test-only helpers, the same in every provider package; not exported by the package.

/** Starts a `@rlm/test-server` that is closed when the current test finishes. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  onTestFinished(() => server.close());
  return server;
}

/** A test server that answers with these replies, in order. */
export function serverWith(...replies: ScriptedReply[]): Promise<TestServer> {
  return startServer({ replies });
}

/** The error `promise` rejects with; fails the test when it resolves. */
// biome-ignore lint/suspicious/noExplicitAny: tests read the mapped errors' fields freely
export async function failureOf(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/**
 * A model talking to `server` with a test key and near-instant backoff, so retry tests take
 * milliseconds (Retry-After still applies as the server says).
 */
export function modelFor(
  server: TestServer,
  modelSettings: OpenAIModelSettings = {},
  providerSettings: OpenAIProviderSettings = {},
  modelId: OpenAIModelId = 'gpt-5-mini',
) {
  return createOpenAI({
    apiKey: 'test-key',
    baseURL: server.openaiBaseURL,
    retry: { initialDelayMs: 1 },
    ...providerSettings,
  })(modelId, modelSettings);
}

/**
 * A `fetch` that sends requests meant for OpenAI's API to the test server instead, so that
 * behaviour specific to OpenAI's host (environment keys, messages) can be tested over real HTTP.
 */
export function redirectOpenAITo(server: TestServer): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(OPENAI_BASE_URL)) throw new Error(`unexpected request to ${url}`);
    return fetch(server.openaiBaseURL + url.slice(OPENAI_BASE_URL.length), init);
  };
}

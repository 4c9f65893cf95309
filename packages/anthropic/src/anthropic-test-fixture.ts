import {
  type ScriptedReply,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '@rlm/test-server';
import { onTestFinished } from 'vitest';
import type { AnthropicModelId } from './anthropic-model-catalog';
import type { AnthropicModelSettings } from './anthropic-model-settings';
import { createAnthropic } from './anthropic-provider';
import type { AnthropicProviderSettings } from './anthropic-provider-settings';

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
  modelSettings: AnthropicModelSettings = {},
  providerSettings: AnthropicProviderSettings = {},
  modelId: AnthropicModelId = 'claude-sonnet-4-6',
) {
  return createAnthropic({
    apiKey: 'test-key',
    baseURL: server.anthropicBaseURL,
    retry: { initialDelayMs: 1 },
    ...providerSettings,
  })(modelId, modelSettings);
}

import { type ScriptedReply, startTestServer, type TestServer } from '@rlm/test-server';
import type { AnthropicModelSettings } from './anthropic-model-settings';
import { createAnthropic } from './anthropic-provider';
import type { AnthropicProviderSettings } from './anthropic-provider-settings';

/** The servers started by a test file, closed after each test. Test-only; not exported by the package. */
export const openServers: TestServer[] = [];

/** Closes every server a test started. */
export async function closeServers(): Promise<void> {
  await Promise.all(openServers.splice(0).map((server) => server.close()));
}

/** Starts a test server with these replies (in order) and remembers it for {@link closeServers}. */
export async function serverWith(...replies: ScriptedReply[]): Promise<TestServer> {
  const server = await startTestServer({ replies });
  openServers.push(server);
  return server;
}

/**
 * A model talking to `server` with a test key and near-instant backoff, so retry tests take
 * milliseconds (Retry-After still applies as the server says).
 */
export function modelFor(
  server: TestServer,
  modelSettings: AnthropicModelSettings = {},
  providerSettings: AnthropicProviderSettings = {},
  modelId = 'claude-sonnet-4-6',
) {
  return createAnthropic({
    apiKey: 'test-key',
    baseURL: server.anthropicBaseURL,
    retry: { initialDelayMs: 1 },
    ...providerSettings,
  })(modelId, modelSettings);
}

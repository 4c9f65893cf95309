import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  type ScriptedReply,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '@rlm/test-server';
import { createOpenAICompatible as createOpenAICompatibleV2 } from 'ai-sdk-openai-compatible-v2spec';
import { onTestFinished } from 'vitest';
import type { AISDKLanguageModel } from './ai-sdk-language-model';
import { fromAISDK } from './from-ai-sdk';
import type { FromAISDKOptions } from './from-ai-sdk-options';

// Test-only helpers; not exported by the package. Real AI SDK providers, real HTTP, the test server.

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

/** The AI SDK providers the bridge is tested with, each pointed at a test server. */
export const AI_SDK_PROVIDERS = {
  /** `@ai-sdk/openai-compatible` 2.x: specification V3 (AI SDK 6), OpenAI's wire protocol. */
  'openai-compatible (v3)': (server: TestServer, modelId = 'gpt-5-mini'): AISDKLanguageModel =>
    createOpenAICompatible({
      name: 'testserver',
      baseURL: server.openaiBaseURL,
      apiKey: 'test-key',
      includeUsage: true,
    })(modelId),
  /** `@ai-sdk/anthropic` 3.x: specification V3 (AI SDK 6), Anthropic's wire protocol. */
  'anthropic (v3)': (server: TestServer, modelId = 'claude-sonnet-4-5'): AISDKLanguageModel =>
    createAnthropic({ baseURL: `${server.anthropicBaseURL}/v1`, apiKey: 'test-key' })(modelId),
  /** `@ai-sdk/openai-compatible` 1.x: specification V2 (AI SDK 5). */
  'openai-compatible (v2)': (server: TestServer, modelId = 'gpt-5-mini'): AISDKLanguageModel =>
    createOpenAICompatibleV2({
      name: 'testserver',
      baseURL: server.openaiBaseURL,
      apiKey: 'test-key',
      includeUsage: true,
    })(modelId),
} as const;

export type AISDKProviderName = keyof typeof AI_SDK_PROVIDERS;

/** `fromAISDK` over the named provider at `server`, with near-instant backoff so retry tests take milliseconds. */
export function bridgedModel(
  provider: AISDKProviderName,
  server: TestServer,
  options: FromAISDKOptions = {},
  modelId?: string,
) {
  return fromAISDK(AI_SDK_PROVIDERS[provider](server, modelId), {
    retry: { initialDelayMs: 1 },
    ...options,
  });
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

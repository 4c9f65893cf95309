import { testLanguageModel } from '@rlm/core/testing/vitest';
import { AI_SDK_PROVIDERS, type AISDKProviderName, bridgedModel, startServer } from './ai-sdk-test-fixture';

// Core's shared provider suite, for fromAISDK over real AI SDK providers speaking real HTTP to the
// local test server: the OpenAI wire protocol (V3 and V2 specification) and Anthropic's, each with
// doGenerate and with doStream.
for (const provider of Object.keys(AI_SDK_PROVIDERS) as AISDKProviderName[]) {
  for (const stream of [false, true]) {
    testLanguageModel(`fromAISDK: ${provider}${stream ? ', streaming' : ''}`, {
      async createModel(respond) {
        const server = await startServer({
          respond: ({ messages, maxOutputTokens }) =>
            respond(maxOutputTokens === undefined ? { messages } : { messages, maxOutputTokens }),
        });
        return bridgedModel(provider, server, { stream });
      },
    });
  }
}

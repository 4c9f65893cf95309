import { testLanguageModel } from '@rlm/core/testing/vitest';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { createOpenAI } from './openai-provider';

for (const stream of [false, true]) {
  let server: TestServer | undefined;
  testLanguageModel(stream ? 'openai (streaming)' : 'openai', {
    async createModel(respond) {
      server = await startTestServer({
        respond: (request) => {
          const reply = respond({
            messages: request.messages,
            ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
          });
          return {
            text: reply.text,
            usage: reply.usage,
            ...(reply.delayMs ? { delayMs: reply.delayMs } : {}),
          };
        },
      });
      return createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test-key' })('gpt-5-mini', { stream });
    },
    async cleanup() {
      await server?.close();
      server = undefined;
    },
  });
}

import { testLanguageModel } from '@rlm/core/testing/vitest';
import { modelFor, startServer } from './openai-test-fixture';

// The shared provider suite, over real HTTP with the real SDK against the local OpenAI-speaking server.
for (const stream of [false, true]) {
  testLanguageModel(stream ? 'openai (streaming)' : 'openai', {
    async createModel(respond) {
      const server = await startServer({
        respond: ({ messages, maxOutputTokens }) =>
          respond(maxOutputTokens === undefined ? { messages } : { messages, maxOutputTokens }),
      });
      return modelFor(server, { stream });
    },
  });
}

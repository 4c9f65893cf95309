import { testLanguageModel } from '@rlm/core/testing/vitest';
import { modelFor, startServer } from './anthropic-test-fixture';

// The shared provider suite, over real HTTP with the real SDK against the local Anthropic-speaking server.
for (const stream of [false, true]) {
  testLanguageModel(stream ? 'anthropic (streaming)' : 'anthropic', {
    async createModel(respond) {
      const server = await startServer({
        respond: ({ messages, maxOutputTokens }) =>
          respond(maxOutputTokens === undefined ? { messages } : { messages, maxOutputTokens }),
      });
      return modelFor(server, { stream });
    },
  });
}

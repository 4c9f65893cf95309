import { testLanguageModel } from '@rlm/core/testing/vitest';
import { startTestServer } from '@rlm/test-server';
import { closeServers, modelFor, openServers } from './anthropic-test-fixture';

// The shared provider suite, over real HTTP with the real SDK against the local Anthropic-speaking server.
testLanguageModel('anthropic', {
  async createModel(respond) {
    const server = await startTestServer({
      respond: (request) => {
        const reply = respond({
          messages: request.messages,
          ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        });
        return {
          text: reply.text,
          usage: reply.usage,
          ...(reply.delayMs !== undefined ? { delayMs: reply.delayMs } : {}),
        };
      },
    });
    openServers.push(server);
    return modelFor(server);
  },
  cleanup: closeServers,
});

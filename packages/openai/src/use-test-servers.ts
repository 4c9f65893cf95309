import { startTestServer, type TestServer, type TestServerOptions } from '@rlm/test-server';
import { afterEach } from 'vitest';
import { OPENAI_BASE_URL } from './openai-connection';

/**
 * Test helper: a `start(options)` that launches a `@rlm/test-server` and closes every server it
 * started after each test.
 */
export function useTestServers(): (options?: TestServerOptions) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (options = {}) => {
    const server = await startTestServer(options);
    servers.push(server);
    return server;
  };
}

/**
 * Test helper: a `fetch` that sends requests meant for OpenAI's API to the test server instead, so
 * that behaviour specific to OpenAI's host (environment keys, messages) can be tested over real HTTP.
 */
export function redirectOpenAITo(server: TestServer): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(OPENAI_BASE_URL)) throw new Error(`unexpected request to ${url}`);
    return fetch(server.openaiBaseURL + url.slice(OPENAI_BASE_URL.length), init);
  };
}

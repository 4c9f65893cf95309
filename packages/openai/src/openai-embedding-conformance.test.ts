import { testEmbeddingModel } from '@rlm/core/testing/vitest';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { createOpenAI } from './openai-provider';

let servers: TestServer[] = [];

async function modelOn(latencyMs: number) {
  const server = await startTestServer({ latencyMs });
  servers.push(server);
  return createOpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL }).embedding(
    'text-embedding-3-small',
    {
      dimensions: 64,
    },
  );
}

testEmbeddingModel('openai', {
  createModel: () => modelOn(0),
  createSlowModel: () => modelOn(2_000),
  async cleanup() {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  },
});

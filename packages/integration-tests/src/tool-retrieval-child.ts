/**
 * Runs in a child process (see tool-retrieval.test.ts; isolated-vm needs `--no-node-snapshot`): one
 * RLM run in one environment with the retrieval tool, its embeddings from the test server, printing
 * one JSON line.
 *
 * Usage: node --no-node-snapshot --import tsx tool-retrieval-child.ts <environment>
 */
import { createRLM, type ReplEnvironment } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createOpenAI } from '@rlm/openai';
import { startTestServer } from '@rlm/test-server';
import { createRetrievalTool } from '@rlm/tool-retrieval';

async function createEnvironment(name: string): Promise<ReplEnvironment> {
  if (name === 'quickjs') return (await import('@rlm/env-quickjs')).createQuickJSEnvironment();
  if (name === 'isolated-vm') {
    return (await import('@rlm/env-isolated-vm')).createIsolatedVMEnvironment({ memoryLimitMb: 256 });
  }
  return (await import('@rlm/env-deno')).createDenoEnvironment({
    memoryLimitMb: 512,
    keepSpareProcess: false,
  });
}

/** 300 notes on everyday topics; one says where the team meets. */
function notes(): { path: string; text: string }[] {
  const topics = ['invoices', 'shipping', 'weather', 'holidays', 'printers', 'parking'];
  const documents = Array.from({ length: 300 }, (_, index) => ({
    path: `notes/${String(index).padStart(3, '0')}.md`,
    text: `# Note ${index}\nThis note is about ${topics[index % topics.length]} and ${topics[(index * 5) % topics.length]}.\n`.repeat(
      5,
    ),
  }));
  documents[217] = {
    path: 'notes/rendezvous.md',
    text: '# Plans\nThe secret rendezvous point for the team is the old lighthouse on the north pier.\n',
  };
  return documents;
}

const server = await startTestServer();
const environment = await createEnvironment(process.argv[2] ?? 'quickjs');
const embeddingModel = createOpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL }).embedding(
  'text-embedding-3-small',
);
const replies = [
  "const nothing = await retrieve({ query: '' });",
  [
    "const hits = await retrieve({ query: 'Where is the secret rendezvous point of the team?', k: 3 });",
    "console.log(hits.map((hit) => hit.path + ' ' + hit.score).join('\\n'));",
    "FINAL(hits[0].path + ': ' + hits[0].text.split('\\n')[1]);",
  ].join('\n'),
];
const model = new MockLanguageModel({
  modelId: 'root',
  responses: replies.map((source) => `Next.\n\`\`\`javascript\n${source}\n\`\`\``),
});
const rlm = createRLM({
  model,
  subModel: new MockLanguageModel({ modelId: 'sub', responses: () => 'sub', contextWindow: 32_000 }),
  environment,
  tools: [createRetrievalTool({ embeddingModel, cacheDirectory: false })],
  limits: { maxTurns: replies.length, timeoutMs: 120_000 },
});
const toolCalls: { toolName: string; error?: string }[] = [];
try {
  const result = await rlm.completion('Where does the team meet?', {
    context: notes(),
    onEvent: (event) => {
      if (event.type === 'tool-call') {
        toolCalls.push({ toolName: event.toolName, ...(event.error ? { error: event.error.message } : {}) });
      }
    },
  });
  console.log(
    JSON.stringify({
      answer: result.answer,
      systemPrompt: model.calls[0]?.messages[0]?.content ?? '',
      feedback: model.calls.slice(1).map((call) => call.lastMessage),
      toolCalls,
      embeddingUsage: result.usage.byModel['openai:text-embedding-3-small'],
      embeddingRequests: server.requests.filter((request) => request.path === '/v1/embeddings').length,
    }),
  );
} catch (error) {
  console.log(JSON.stringify({ error: String(error), toolCalls }));
}
await environment.dispose?.();
await server.close();

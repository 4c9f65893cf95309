/**
 * Runs in a child process (see tool-search.test.ts; isolated-vm needs `--no-node-snapshot`): one RLM
 * run per scenario in one environment, each with the grep and search tools, printing one JSON line
 * per scenario.
 *
 * Usage: node --no-node-snapshot --import tsx tool-search-child.ts <environment>
 */
import { createRLM, type ReplEnvironment } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createGrepTool, createSearchTool } from '@rlm/tool-search';
import { TOOL_SEARCH_SCENARIOS } from './tool-search-scenarios';

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

const environment = await createEnvironment(process.argv[2] ?? 'quickjs');
// A short budget, so that the catastrophic pattern's scenario ends in a second.
const grep = createGrepTool({ timeoutMs: 1_000 });
const search = createSearchTool();
for (const scenario of TOOL_SEARCH_SCENARIOS) {
  const model = new MockLanguageModel({
    modelId: 'root',
    responses: scenario.replies.map((source) => `Next.\n\`\`\`javascript\n${source}\n\`\`\``),
  });
  const rlm = createRLM({
    model,
    subModel: new MockLanguageModel({ modelId: 'sub', responses: () => 'sub', contextWindow: 32_000 }),
    environment,
    tools: [grep, search],
    limits: { maxTurns: scenario.replies.length, timeoutMs: 120_000 },
  });
  const toolCalls: { toolName: string; error?: string }[] = [];
  try {
    const result = await rlm.completion(scenario.question, {
      context: scenario.context,
      onEvent: (event) => {
        if (event.type === 'tool-call') {
          toolCalls.push({
            toolName: event.toolName,
            ...(event.error ? { error: event.error.message } : {}),
          });
        }
      },
    });
    console.log(
      JSON.stringify({
        scenario: scenario.name,
        answer: result.answer,
        systemPrompt: model.calls[0]?.messages[0]?.content ?? '',
        feedback: model.calls.slice(1).map((call) => call.lastMessage),
        toolCalls,
      }),
    );
  } catch (error) {
    console.log(JSON.stringify({ scenario: scenario.name, error: String(error), toolCalls }));
  }
}
await grep.dispose();
await environment.dispose?.();

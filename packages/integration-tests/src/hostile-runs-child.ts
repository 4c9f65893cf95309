/**
 * Runs in a child process (see hostile-runs.test.ts): one RLM run per attack in one environment, each
 * followed by an innocent run in the same process, and prints one JSON line per attack. If an attack
 * crashes the process, the parent sees the exit code and the output so far.
 *
 * Usage: node --no-node-snapshot --import tsx hostile-runs-child.ts <environment> <attack> [<attack> …]
 */
import { createRLM, type ReplEnvironment, RLMError } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { HOSTILE_ATTACKS, type HostileAttack } from './hostile-attacks';

async function createEnvironment(name: string): Promise<ReplEnvironment> {
  if (name === 'quickjs') return (await import('@rlm/env-quickjs')).createQuickJSEnvironment();
  if (name === 'isolated-vm') {
    return (await import('@rlm/env-isolated-vm')).createIsolatedVMEnvironment({ memoryLimitMb: 256 });
  }
  return (await import('@rlm/env-deno')).createDenoEnvironment({
    memoryLimitMb: 1024,
    keepSpareProcess: false,
  });
}

type Cell = HostileAttack['cells'][number];

/** A root model that writes `cells`: code as one fenced block each, `{ reply }` as it is. */
function scripted(cells: readonly Cell[]): MockLanguageModel {
  return new MockLanguageModel({
    responses: cells.map((cell) =>
      typeof cell === 'string' ? `Next.\n\`\`\`javascript\n${cell}\n\`\`\`` : cell.reply,
    ),
    modelId: 'root',
  });
}

async function run(environment: ReplEnvironment, cells: readonly Cell[]) {
  const rlm = createRLM({
    model: scripted(cells),
    subModel: new MockLanguageModel({ responses: () => 'sub', modelId: 'sub', contextWindow: 32_000 }),
    environment,
    limits: { maxTurns: cells.length, timeoutMs: 120_000 },
  });
  const startedAt = performance.now();
  try {
    const result = await rlm.completion('Go.', { context: 'the context' });
    return { answer: result.answer, ms: Math.round(performance.now() - startedAt) };
  } catch (error) {
    const name = RLMError.isInstance(error) ? error.name : 'foreign error';
    return {
      error: `${name}: ${error instanceof Error ? error.message : String(error)}`,
      ms: Math.round(performance.now() - startedAt),
    };
  }
}

const [environmentName, ...attackNames] = process.argv.slice(2);
const environment = await createEnvironment(environmentName ?? 'quickjs');
for (const attackName of attackNames) {
  const attack = HOSTILE_ATTACKS[attackName];
  if (!attack) throw new Error(`no attack named ${attackName}`);
  const hostile = await run(environment, [...attack.cells, 'FINAL("survived")']);
  const innocent = await run(environment, ['FINAL("innocent " + context.length)']);
  console.log(JSON.stringify({ attack: attackName, hostile, innocent }));
}
// The process must be able to end on its own once the runs are over.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLanguageModel } from '@rlm/cli/models';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';
import { startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleResponder, tagQuestion } from '../src/offline/oracle-responder';
import { readResults } from '../src/run/result-record';
import { type BenchmarkSetup, resultsPath, runBenchmark } from '../src/run/run-benchmark';
import type { StrategyName } from '../src/strategies/strategy';
import { generateInstances } from '../src/tasks/generate-instances';

/**
 * `--budget` while running: the benchmark stops starting runs once the budget is spent, a run the
 * budget cut midway is not recorded, and a rerun with more budget does exactly the runs left.
 * Models are real `@rlm/openai` models over HTTP to the offline oracle, priced as gpt-5-mini.
 */
describe('the budget, reached while running', () => {
  let folder: string;
  let server: TestServer;
  const instances = [
    ...generateInstances({ families: ['sniah'], sizes: [8_192, 16_384], perCell: 2, seed: 9, repo: '.' }),
  ];
  const environment = createQuickJSEnvironment();

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rlm-bench-budget-'));
    server = await startTestServer({
      respond: createOracleResponder(new Map(instances.map((instance) => [instance.id, instance]))),
    });
  });
  afterAll(async () => {
    await server.close();
    await environment.dispose?.();
    rmSync(folder, { recursive: true, force: true });
  });

  async function setup(
    strategy: StrategyName,
    budgetUsd: number | undefined,
    out: string,
  ): Promise<BenchmarkSetup> {
    const connection = { baseUrl: server.openaiBaseURL, maxRetries: 0, environment: {} };
    const model = await createLanguageModel(
      { provider: 'openai', modelId: 'gpt-5-mini', id: 'openai:gpt-5-mini' },
      connection,
      {
        contextWindow: 16_384,
      },
    );
    return {
      runs: instances.map((instance) => ({ instance, strategy })),
      config: `test ${strategy}`,
      out,
      model,
      subModel: model,
      environment,
      concurrency: 1,
      budgetUsd,
      offline: true,
      questionFor: tagQuestion,
      signal: new AbortController().signal,
      progressStream: process.stderr,
    };
  }

  it('stops starting direct calls once spent, and a rerun with more budget does the rest', async () => {
    const out = join(folder, 'base');
    const stopped = await runBenchmark(await setup('base', 0.004, out));
    expect(stopped.budgetStopped).toBe(true);
    expect(stopped.finished).toBeGreaterThanOrEqual(1);
    expect(stopped.finished).toBeLessThan(4);
    expect(stopped.spentUsd).toBeGreaterThanOrEqual(0.004);
    expect(readResults(resultsPath(out))).toHaveLength(stopped.finished);
    const rest = await runBenchmark(await setup('base', undefined, out));
    expect(rest.skipped).toBe(stopped.finished);
    expect(rest.finished).toBe(4 - stopped.finished);
    expect(rest.budgetStopped).toBe(false);
    expect(new Set(readResults(resultsPath(out)).map((record) => record.instance)).size).toBe(4);
  });

  it('cuts an RLM run midway through its own cost limit, and records nothing for it', async () => {
    const out = join(folder, 'rlm');
    const probe = await runBenchmark(await setup('rlm-depth-1', undefined, join(folder, 'probe')));
    const oneRun = Math.min(...probe.records.map((record) => record.usage.costUsd));
    // Enough for one run and a part of the next.
    const budget = oneRun * 1.5;
    const stopped = await runBenchmark(await setup('rlm-depth-1', budget, out));
    expect(stopped.budgetStopped).toBe(true);
    expect(stopped.finished).toBe(1);
    expect(stopped.notDone).toBe(3);
    expect(stopped.spentUsd).toBeGreaterThanOrEqual(budget);
    expect(stopped.spentUsd).toBeLessThan(budget + oneRun);
    expect(readResults(resultsPath(out))).toHaveLength(1);
  });
});

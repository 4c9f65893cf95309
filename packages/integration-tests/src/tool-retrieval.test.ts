import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `retrieve` from `@rlm/tool-retrieval` through `createRLM`, in each environment: a scripted root
 * model calls the tool from REPL code, first with an empty query (an Error inside the REPL, the run
 * goes on), then with a question, and answers from the best passage. Embeddings come from the test
 * server over HTTP. Each environment runs in a child process (isolated-vm needs `--no-node-snapshot`).
 */
const CHILD = fileURLToPath(new URL('./tool-retrieval-child.ts', import.meta.url));
const ENVIRONMENTS = ['quickjs', 'isolated-vm', 'deno'] as const;

interface Outcome {
  readonly answer?: string;
  readonly error?: string;
  readonly systemPrompt?: string;
  readonly feedback?: string[];
  readonly toolCalls: { toolName: string; error?: string }[];
  readonly embeddingUsage?: {
    calls: number;
    inputTokens: number;
    costUsd: number;
    callsWithUnknownCost: number;
  };
  readonly embeddingRequests?: number;
}

describe.each(ENVIRONMENTS)('retrieval tool through createRLM, %s', (environment) => {
  it('the model finds the one note about the question among 300 by meaning, after an empty query came back as an Error; embedding usage and cost count in the run', () => {
    const child = spawnSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', CHILD, environment], {
      encoding: 'utf8',
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = `exit ${child.status} signal ${child.signal}\n${child.stdout.slice(-4000)}\n${child.stderr.slice(-4000)}`;
    expect(child.status, report).toBe(0);
    const line = child.stdout.split('\n').find((text) => text.startsWith('{'));
    expect(line, report).toBeDefined();
    const outcome = JSON.parse(line!) as Outcome;
    expect(outcome.error, report).toBeUndefined();
    expect(outcome.answer).toBe(
      'notes/rendezvous.md: The secret rendezvous point for the team is the old lighthouse on the north pier.',
    );
    expect(outcome.systemPrompt).toContain('`await retrieve({ query, k?, document? })`');
    expect(outcome.feedback![0]).toMatch(/'query' must be a non-empty string/);
    expect(outcome.toolCalls).toEqual([
      { toolName: 'retrieve', error: expect.stringMatching(/'query' must be a non-empty string/) },
      { toolName: 'retrieve' },
    ]);
    // One request embeds the 300 notes, one the query; both are counted in the run's usage and cost.
    expect(outcome.embeddingRequests).toBe(2);
    expect(outcome.embeddingUsage).toMatchObject({ calls: 2, callsWithUnknownCost: 0 });
    expect(outcome.embeddingUsage!.inputTokens).toBeGreaterThan(1_000);
    expect(outcome.embeddingUsage!.costUsd).toBeCloseTo(
      (outcome.embeddingUsage!.inputTokens * 0.02) / 1e6,
      12,
    );
  }, 250_000);
});

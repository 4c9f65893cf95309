import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TOOL_SEARCH_SCENARIOS } from './tool-search-scenarios';

/**
 * `grep` and `search` from `@rlm/tool-search` through `createRLM`, in each environment: a scripted root
 * model calls the tool from REPL code and builds the answer from its result. Each environment runs in
 * a child process (isolated-vm needs `--no-node-snapshot`).
 */
const CHILD = fileURLToPath(new URL('./tool-search-child.ts', import.meta.url));
const ENVIRONMENTS = ['quickjs', 'isolated-vm', 'deno'] as const;

interface Outcome {
  readonly scenario: string;
  readonly answer?: string;
  readonly error?: string;
  readonly systemPrompt?: string;
  readonly feedback?: string[];
  readonly toolCalls: { toolName: string; error?: string }[];
}

describe.each(ENVIRONMENTS)('grep and search tools through createRLM, %s', (environment) => {
  const outcomes = new Map<string, Outcome>();
  let report = '';
  const run = () => {
    if (outcomes.size) return;
    const child = spawnSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', CHILD, environment], {
      encoding: 'utf8',
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    report = `exit ${child.status} signal ${child.signal}\n${child.stdout.slice(-4000)}\n${child.stderr.slice(-4000)}`;
    for (const line of child.stdout.split('\n').filter((text) => text.startsWith('{'))) {
      const outcome = JSON.parse(line) as Outcome;
      outcomes.set(outcome.scenario, outcome);
    }
    expect(child.status, report).toBe(0);
  };

  it('grep: the model counts and sums error lines from the tool, after a bad pattern came back as an Error', () => {
    run();
    const outcome = outcomes.get('grep');
    expect(outcome?.error, report).toBeUndefined();
    expect(outcome!.answer).toBe(TOOL_SEARCH_SCENARIOS[0]!.expected);
    expect(outcome!.systemPrompt).toContain('`await grep({ pattern, flags?, maxMatches?, contextLines? })`');
    expect(outcome!.systemPrompt).toContain('`await search({ query, k?, document? })`');
    expect(outcome!.feedback![0]).toMatch(/Unterminated group/);
    expect(outcome!.toolCalls).toEqual([
      { toolName: 'grep', error: expect.stringMatching(/Unterminated group/) },
      { toolName: 'grep' },
    ]);
  }, 250_000);

  it('grep: a catastrophic pattern is stopped at its time budget and reaches the code as an Error it can catch; the next grep works', () => {
    run();
    const outcome = outcomes.get('catastrophic');
    expect(outcome?.error, report).toBeUndefined();
    expect(outcome!.answer).toBe(TOOL_SEARCH_SCENARIOS[2]!.expected);
    expect(outcome!.toolCalls).toEqual([
      { toolName: 'grep', error: expect.stringMatching(/Nested quantifiers/) },
      { toolName: 'grep' },
    ]);
  }, 250_000);

  it('search: the model finds the one document about the question among 300 and reads from it', () => {
    run();
    const outcome = outcomes.get('search');
    expect(outcome?.error, report).toBeUndefined();
    expect(outcome!.answer).toBe(TOOL_SEARCH_SCENARIOS[1]!.expected);
    expect(outcome!.toolCalls).toEqual([{ toolName: 'search' }]);
  }, 250_000);
});
